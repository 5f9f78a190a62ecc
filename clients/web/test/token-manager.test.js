import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { TokenManager, adviceFor } from '../src/token-manager.js';
import { ApiError } from '../src/http.js';
import { fakeFetch } from './fake-fetch.js';

const T0 = 1_800_000_000_000;

function session(clock, id, ttl = 300, n = 1) {
  const expires = Math.floor(clock.now() / 1000) + ttl;
  return {
    session_id: id,
    value: `ek_secret_${id}_${n}`,
    expires_at: expires,
    client_secret: { value: `ek_secret_${id}_${n}`, expires_at: expires },
    rotate_at: expires - 30,
    ttl_seconds: ttl,
    rotation_token: `rt1.${id}.${n}`,
  };
}

function manager(clock, fetch) {
  return new TokenManager({
    tokenServiceUrl: 'http://tokens', getUserToken: () => 'user-jwt', deviceId: 'dev-1', fetch, clock,
  });
}

test('creates a session with the user token and device id, and keeps the secret in memory only', async () => {
  const clock = new FakeClock(T0);
  const fetch = fakeFetch([{ match: (c) => c.url === 'http://tokens/v1/sessions', answer: { body: session(clock, 's1') } }]);
  const tm = manager(clock, fetch);
  const events = [];
  tm.on('issued', (e) => events.push(e));
  await tm.start();
  assert.equal(tm.sessionId, 's1');
  assert.equal(tm.clientSecret, 'ek_secret_s1_1');
  assert.equal(fetch.calls[0].headers.authorization, 'Bearer user-jwt');
  assert.equal(fetch.calls[0].headers['x-device-id'], 'dev-1');
  assert.equal(JSON.stringify(events).includes('ek_secret'), false, 'events never carry the secret');
  tm.stop();
  assert.equal(tm.clientSecret, null);
});

test('rotates at rotate_at, again and again, with the latest rotation token', async () => {
  const clock = new FakeClock(T0);
  let n = 1;
  const fetch = fakeFetch([
    { match: (c) => c.url === 'http://tokens/v1/sessions', answer: { body: session(clock, 's1', 300, 1) } },
    { match: (c) => c.url === 'http://tokens/v1/sessions/s1/rotate', answer: () => ({ body: session(clock, 's1', 300, ++n) }) },
  ]);
  const tm = manager(clock, fetch);
  await tm.start();
  await clock.advance(269_000);
  assert.equal(fetch.calls.length, 1, 'not before rotate_at');
  await clock.advance(1_000);
  assert.equal(fetch.calls.length, 2);
  assert.equal(fetch.calls[1].body.rotation_token, 'rt1.s1.1');
  assert.equal(tm.clientSecret, 'ek_secret_s1_2');
  await clock.advance(270_000);
  assert.equal(fetch.calls.length, 3);
  assert.equal(fetch.calls[2].body.rotation_token, 'rt1.s1.2');
  tm.stop();
});

test('a failed rotation follows the advice: a new session, before the secret expires', async () => {
  const clock = new FakeClock(T0);
  const fetch = fakeFetch([
    { match: (c) => c.url === 'http://tokens/v1/sessions', times: 1, answer: { body: session(clock, 's1') } },
    { match: (c) => c.url.endsWith('/rotate'), answer: { status: 502, body: { error: { code: 'rotation_failed', message: 'upstream failed', reason: 'upstream_5xx', reissue_token: true } } } },
    { match: (c) => c.url === 'http://tokens/v1/sessions', answer: () => ({ body: session(clock, 's2') }) },
  ]);
  const tm = manager(clock, fetch);
  const advice = [];
  const reissued = [];
  tm.on('reconnect_advice', (a) => advice.push(a));
  tm.on('reissued', (r) => reissued.push(r));
  await tm.start();
  await clock.advance(270_000);
  assert.deepEqual(advice, [{ reason: 'rotation_failed', reissueToken: true, previousSessionId: 's1' }]);
  assert.deepEqual(reissued, [{ previousSessionId: 's1', sessionId: 's2' }]);
  assert.equal(tm.sessionId, 's2');
  assert.ok(clock.now() < T0 + 300_000, 'no waiting for the old secret to die');
  tm.stop();
});

test('transient failures are retried with backoff, honouring retry_after_ms, until the expiry margin', async () => {
  const clock = new FakeClock(T0);
  const fetch = fakeFetch([
    { match: (c) => c.url === 'http://tokens/v1/sessions', times: 1, answer: { body: session(clock, 's1') } },
    { match: (c) => c.url.endsWith('/rotate'), times: 2, answer: { status: 503, body: { error: { code: 'upstream_unavailable', message: 'breaker open', retry_after_ms: 2000 } } } },
    { match: (c) => c.url.endsWith('/rotate'), answer: () => ({ body: session(clock, 's1', 300, 2) }) },
  ]);
  const tm = manager(clock, fetch);
  const retries = [];
  tm.on('rotation_retry', (r) => retries.push(r));
  await tm.start();
  await clock.advance(270_000 + 10_000);
  assert.equal(retries.length, 2);
  assert.ok(retries.every((r) => r.waitMs >= 2000));
  assert.equal(tm.clientSecret, 'ek_secret_s1_2');
  tm.stop();
});

test('network failures that outlast the secret end in a new session, not a 401', async () => {
  const clock = new FakeClock(T0);
  const fetch = fakeFetch([
    { match: (c) => c.url === 'http://tokens/v1/sessions', times: 1, answer: { body: session(clock, 's1') } },
    { match: (c) => c.url.endsWith('/rotate'), answer: new TypeError('Failed to fetch') },
    { match: (c) => c.url === 'http://tokens/v1/sessions', answer: () => ({ body: session(clock, 's2') }) },
  ]);
  const tm = manager(clock, fetch);
  await tm.start();
  await clock.advance(300_000);
  assert.equal(tm.sessionId, 's2');
  tm.stop();
});

test('advice for each kind of failure', () => {
  assert.equal(adviceFor(new ApiError(401, 'session_expired', 'x')), 'reissue');
  assert.equal(adviceFor(new ApiError(403, 'forbidden', 'x')), 'give_up');
  assert.equal(adviceFor(new ApiError(502, 'rotation_failed', 'x', { reissue_token: true })), 'reissue');
  assert.equal(adviceFor(new ApiError(429, 'rate_limited', 'x')), 'retry');
  assert.equal(adviceFor(new ApiError(0, 'network_error', 'x')), 'retry');
});
