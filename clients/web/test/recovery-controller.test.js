import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { RecoveryController, localPlan } from '../src/recovery-controller.js';
import { fakeFetch } from './fake-fetch.js';

const T0 = 1_800_000_000_000;

function fakeTokens() {
  const t = { sessionId: 's1', rotationToken: 'rt1.s1', started: 0, rotated: 0 };
  t.start = async () => {
    t.started++;
    t.sessionId = `s${t.started + 1}`;
    t.rotationToken = `rt1.${t.sessionId}`;
  };
  t.rotate = async () => {
    t.rotated++;
  };
  return t;
}

function hooks(log, { iceWorks = true } = {}) {
  return {
    restartIce: async () => {
      log.push('restartIce');
      return iceWorks;
    },
    rebuildPeer: async (o) => log.push(`rebuild:${o.reason}:${o.newUpstreamSession}`),
    replaySummary: async (s) => log.push(`replay:${s.text}`),
  };
}

const transportPlan = { ...localPlan('ice_failed'), secret_expires_in_ms: 200000 };

test('asks session-service for the plan and restarts ICE for a transport failure, keeping the token', async () => {
  const fetch = fakeFetch([{ match: (c) => c.url.endsWith('/v1/sessions/s1/recover'),
    answer: { body: { status: 'recovering', plan: transportPlan, summary: { text: 'user: hi', lines: [] } } } }]);
  const log = [];
  const tokens = fakeTokens();
  const rc = new RecoveryController({ sessionServiceUrl: 'http://sessions', tokens, hooks: hooks(log), fetch,
    clock: new FakeClock(T0) });
  const result = await rc.recover('ice_failed');
  assert.equal(fetch.calls[0].headers.authorization, 'Bearer rt1.s1');
  assert.deepEqual(fetch.calls[0].body, { reason: 'ice_failed', occurred_at_ms: T0 });
  assert.deepEqual(log, ['restartIce']);
  assert.equal(result.how, 'ice_restarted');
  assert.equal(result.replayed, false, 'the upstream session kept its memory');
  assert.equal(tokens.started, 0);
});

test('an ICE restart that does not reconnect falls back to rebuilding the peer, and replays the summary', async () => {
  const fetch = fakeFetch([{ match: () => true, answer: { body: { plan: transportPlan, summary: { text: 'user: hi' } } } }]);
  const log = [];
  const rc = new RecoveryController({ sessionServiceUrl: 'http://s', tokens: fakeTokens(),
    hooks: hooks(log, { iceWorks: false }), fetch, clock: new FakeClock(T0) });
  const result = await rc.recover('network_switch');
  assert.deepEqual(log, ['restartIce', 'rebuild:network_switch:false', 'replay:user: hi']);
  assert.equal(result.how, 'rebuilt');
});

test('a secret about to expire is rotated before the transport is renegotiated', async () => {
  const fetch = fakeFetch([{ match: () => true, answer: { body: { plan: { ...transportPlan, rotate_first: true } } } }]);
  const tokens = fakeTokens();
  const rc = new RecoveryController({ sessionServiceUrl: 'http://s', tokens, hooks: hooks([]), fetch, clock: new FakeClock(T0) });
  await rc.recover('ice_failed');
  assert.equal(tokens.rotated, 1);
});

test('a session-class plan reissues the token, rebuilds on a new upstream session and replays', async () => {
  const fetch = fakeFetch([{ match: () => true,
    answer: { body: { plan: localPlan('token_expired'), summary: { text: 'user: a\nassistant: b' } } } }]);
  const log = [];
  const tokens = fakeTokens();
  const rc = new RecoveryController({ sessionServiceUrl: 'http://s', tokens, hooks: hooks(log), fetch, clock: new FakeClock(T0) });
  const result = await rc.recover('token_expired');
  assert.equal(tokens.started, 1);
  assert.deepEqual(log, ['rebuild:token_expired:true', 'replay:user: a\nassistant: b']);
  assert.equal(result.how, 'rebuilt_with_new_session');
});

test('without session-service the same rules apply locally; an expired session is reissued', async () => {
  const log = [];
  const down = new RecoveryController({ sessionServiceUrl: 'http://s', tokens: fakeTokens(), hooks: hooks(log),
    fetch: fakeFetch([{ match: () => true, answer: new TypeError('offline') }]), clock: new FakeClock(T0) });
  assert.equal((await down.recover('ice_failed')).how, 'ice_restarted');

  const tokens = fakeTokens();
  const expired = new RecoveryController({ sessionServiceUrl: 'http://s', tokens, hooks: hooks([]),
    fetch: fakeFetch([{ match: () => true, answer: { status: 401, body: { error: { code: 'session_expired' } } } }]),
    clock: new FakeClock(T0) });
  const result = await expired.recover('ice_failed');
  assert.equal(result.plan.reissue_token, true);
  assert.equal(tokens.started, 1);
});

test('concurrent recoveries share one; a failing hook is reported and counted', async () => {
  let answer;
  const gate = new Promise((r) => {
    answer = r;
  });
  const fetch = fakeFetch([{ match: () => true, answer: async () => {
    await gate;
    return { body: { plan: localPlan('token_expired') } };
  } }]);
  const failing = { ...hooks([]), rebuildPeer: async () => {
    throw new Error('no media');
  } };
  const rc = new RecoveryController({ sessionServiceUrl: 'http://s', tokens: fakeTokens(), hooks: failing, fetch,
    clock: new FakeClock(T0) });
  const failures = [];
  rc.on('failed', (e) => failures.push(e));
  const a = rc.recover('auth_failed');
  const b = rc.recover('auth_failed');
  assert.equal(a, b);
  answer();
  await assert.rejects(a, /no media/);
  assert.equal(fetch.calls.length, 1);
  assert.equal(rc.stats.failures, 1);
  assert.equal(failures.length, 1);
});

test('the local plan mirrors session-service: transport keeps the token, others reissue', () => {
  assert.equal(localPlan('network_switch').ice_restart, true);
  assert.equal(localPlan('network_switch').reissue_token, false);
  assert.equal(localPlan('event_order_broken').replay_summary, true);
  assert.equal(localPlan('something_else').replay_summary, false);
  assert.equal(localPlan('something_else').reissue_token, true);
});
