// The hand-over to a new upstream call (rollover), heartbeats and the service's end of a session, on
// fake peers and a scripted suite: what is sent to whom, in which order, and what the app sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { sleep } from '../src/backoff.js';
import { RealtimeVoiceClient, boundedReplay } from '../src/realtime-voice-client.js';
import { Phase } from '../src/state-mirror.js';
import { localPlan } from '../src/recovery-controller.js';
import { summarizeClient } from '../src/event-summary.js';
import { heartbeatInterval } from '../src/heartbeat.js';
import { driveUntil, fakeFetch } from './fake-fetch.js';
import { FakeDataChannel, FakePeerConnection } from './fake-peer.js';

const T0 = 1_800_000_000_000;
const SUMMARY = { text: 'user: book a table for two\nassistant: for which evening?', lines: [], chars: 60 };

function issued(clock, id, n) {
  const expires = Math.floor(clock.now() / 1000) + 3600;
  return { session_id: id, client_secret: { value: `ek_${id}_${n}`, expires_at: expires }, rotate_at: expires - 30,
    ttl_seconds: 3600, rotation_token: `rt1.${id}.${n}` };
}

/**
 * The suite as the client sees it. `state.advice` / `state.phase` go into every events answer;
 * `state.snapshot` is what GET answers.
 */
function suite(clock, state) {
  let sessions = 0;
  let rotations = 1;
  return fakeFetch([
    { match: (c) => c.url === 'http://tokens/v1/sessions', answer: () => ({ status: 201, body: issued(clock, `s${++sessions}`, 1) }) },
    { match: (c) => c.url.endsWith('/rotate'), answer: () => (state.rotation === 'fail'
      ? { status: 401, body: { error: { code: 'invalid_rotation_token', message: 'no' } } }
      : { body: issued(clock, `s${sessions}`, ++rotations) }) },
    { match: (c) => c.url.endsWith('/events'), answer: (c) => ({ status: 202,
      body: { accepted: c.body.events.length, phase: state.phase ?? 'LISTENING', advice: state.advice ?? null } }) },
    { match: (c) => c.url.endsWith('/interrupt'), answer: () => state.interrupt ?? { body: { status: 'cancelling' } } },
    { match: (c) => c.url.endsWith('/recover'), answer: (c) => state.recover?.(c) ?? ({ body: { status: 'recovering',
      plan: { ...localPlan(c.body.reason), secret_expires_in_ms: 600_000 }, summary: SUMMARY } }) },
    { match: (c) => c.method === 'GET', answer: () => ({ body: state.snapshot
      ?? { phase: state.phase ?? 'LISTENING', call_id: state.callId, advice: state.advice ?? null } }) },
    { match: (c) => c.url === 'http://metrics/v1/telemetry', answer: (c) => ({ body: { accepted: c.body.samples.length } }) },
  ]);
}

/** A client on fake peers; `connects[i]` scripts the i-th connect: 'fail', or a delay in fake ms. */
function client(clock, fetch, { connects = [], options = {} } = {}) {
  const peers = [];
  const seen = [];
  let attempts = 0;
  const c = new RealtimeVoiceClient({
    tokenServiceUrl: 'http://tokens', sessionServiceUrl: 'http://sessions', metricsServiceUrl: 'http://metrics',
    getUserToken: () => 'user-jwt', deviceId: 'dev-1', platform: 'web-test', fetch, clock, watchNetwork: false,
    playback: { stop() {} },
    connect: async (request) => {
      const script = connects[attempts++];
      if (script === 'fail') throw new Error('upstream refused the offer');
      if (typeof script === 'number' && script > 0) await sleep(clock, script);
      const pc = new FakePeerConnection();
      const dc = new FakeDataChannel();
      peers.push({ pc, dc, request });
      queueMicrotask(() => dc.open());
      return { pc, dc, callId: `rtc_${peers.length}` };
    },
    ...options,
  });
  for (const kind of ['rollover', 'ended', 'error', 'event', 'recovered', 'summary_replayed', 'channel_closed']) {
    c.on(kind, (d) => seen.push([kind, d]));
  }
  return { c, peers, seen };
}

function reported(fetch, session = null) {
  return fetch.calls.filter((x) => x.url.endsWith('/events') && (!session || x.url.includes(`/${session}/`)))
    .flatMap((x) => x.body.events);
}

function answerStarts(dc, rid) {
  dc.receive({ type: 'input_audio_buffer.speech_started', item_id: `item_u_${rid}` });
  dc.receive({ type: 'input_audio_buffer.speech_stopped', item_id: `item_u_${rid}` });
  dc.receive({ type: 'conversation.item.input_audio_transcription.completed', item_id: `item_u_${rid}`, transcript: `question ${rid}` });
  dc.receive({ type: 'response.created', response: { id: rid } });
  dc.receive({ type: 'output_audio_buffer.started', response_id: rid });
}

function answerEnds(dc, rid) {
  dc.receive({ type: 'response.output_audio_transcript.done', response_id: rid, transcript: `answer ${rid}` });
  dc.receive({ type: 'response.done', response: { id: rid, status: 'completed' } });
}

/** Advances the fake clock until `fn()` holds. */
async function until(clock, fn, what, maxMs = 60_000) {
  for (let t = 0; t < maxMs; t += 50) {
    if (fn()) return;
    await clock.advance(50);
  }
  assert.fail(`never: ${what}`);
}

test('planned hand-over: prepared while the answer plays, summary replayed, switched at the turn boundary', async () => {
  const clock = new FakeClock(T0);
  const state = {};
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch);
  await c.start();
  const old = peers[0];
  answerStarts(old.dc, 'resp_1');
  assert.equal(c.phase, Phase.SPEAKING);
  // session-service advises once the call is old and was quiet; the answer carrying it comes now
  state.advice = { action: 'rollover', reason: 'call_age', class: 'rollover' };
  await c.events.flush();
  state.advice = null;
  await until(clock, () => peers.length === 2 && peers[1].dc.readyState === 'open' && peers[1].dc.sent.length > 0, 'the new call prepared');
  const recover = fetch.calls.find((x) => x.url.endsWith('/recover'));
  assert.equal(recover.body.reason, 'rollover');
  assert.ok(fetch.calls.some((x) => x.url.endsWith('/s1/rotate')), 'a fresh secret through the TokenManager');
  assert.equal(peers[1].request.clientSecret, 'ek_s1_2', 'the new call is made with the fresh secret');
  assert.equal(peers[1].request.reason, 'rollover');
  assert.deepEqual(peers[1].dc.sent.map((e) => [e.type, e.item.role]), [['conversation.item.create', 'system']]);
  assert.match(peers[1].dc.sent[0].item.content[0].text, /book a table for two\nassistant: for which evening\?/);
  // the assistant is not cut off: the old call is still the one heard
  assert.equal(c.callId, 'rtc_1');
  assert.equal(old.pc.closed, false);
  assert.equal(c.phase, Phase.SPEAKING);
  // the new call's own events wait for the switch
  peers[1].dc.receive({ type: 'session.created', session: { id: 'sess_new' } });
  assert.equal(seen.some(([k, d]) => k === 'event' && d.type === 'session.created'), false);

  answerEnds(old.dc, 'resp_1');
  assert.equal(c.phase, Phase.LISTENING);
  await until(clock, () => c.callId === 'rtc_2', 'the switch');
  assert.equal(old.pc.closed, true, 'the old call closed');
  assert.equal(old.dc.readyState, 'closed');
  // what was said on the old call after the plan's summary was taken follows it (the question was before)
  const since = peers[1].dc.sent[1];
  assert.equal(since.type, 'conversation.item.create');
  assert.equal(since.item.content[0].text, 'Said since on the previous call:\nassistant: answer resp_1');
  assert.ok(seen.some(([k, d]) => k === 'event' && d.type === 'session.created'), 'held events applied after the switch');
  const rollovers = seen.filter(([k]) => k === 'rollover').map(([, d]) => d);
  assert.deepEqual(rollovers.map((d) => d.phase), ['planned', 'completed']);
  assert.deepEqual([rollovers[1].callId, rollovers[1].previousCallId, rollovers[1].gapMs, rollovers[1].unplanned],
    ['rtc_2', 'rtc_1', 0, false]);
  await c.events.flush();
  const reconnected = reported(fetch).find((e) => e.type === 'client.reconnected');
  const types = reported(fetch).map((e) => e.type);
  assert.ok(types.indexOf('client.reconnected') < types.lastIndexOf('session.created'),
    `the new call's events are reported after client.reconnected names it: ${types}`);
  assert.deepEqual([reconnected.reason, reconnected.call_id, reconnected.gap_ms], ['rollover', 'rtc_2', 0]);
  assert.equal(fetch.calls.find((x) => x.url.endsWith('/events') && x.body.events.includes(reconnected)).headers.authorization,
    'Bearer rt1.s1.2', 'reported with the rotated token of the same session');
  assert.equal(c.stats.rollovers, 1);
  // the conversation goes on on the new call
  answerStarts(peers[1].dc, 'resp_2');
  assert.equal(c.phase, Phase.SPEAKING);
  await c.end();
});

test('no switch while the user speaks: the turn that started meanwhile is finished on the old call', async () => {
  const clock = new FakeClock(T0);
  const state = { advice: { action: 'rollover', reason: 'call_age', class: 'rollover' } };
  const fetch = suite(clock, state);
  const { c, peers } = client(clock, fetch);
  await c.start();
  await c.events.flush();
  state.advice = null;
  peers[0].dc.receive({ type: 'input_audio_buffer.speech_started', item_id: 'item_u' });
  await until(clock, () => peers.length === 2 && peers[1].dc.sent.length === 1, 'the new call prepared');
  await clock.advance(2000);
  assert.equal(c.phase, Phase.LISTENING);
  assert.equal(c.callId, 'rtc_1', 'LISTENING, but mid user speech: not a turn boundary');
  peers[0].dc.receive({ type: 'input_audio_buffer.speech_stopped', item_id: 'item_u' });
  assert.equal(c.phase, Phase.THINKING);
  peers[0].dc.receive({ type: 'response.created', response: { id: 'resp_x' } });
  await clock.advance(500);
  assert.equal(c.callId, 'rtc_1');
  peers[0].dc.receive({ type: 'response.done', response: { id: 'resp_x', status: 'completed' } });
  await until(clock, () => c.callId === 'rtc_2', 'the switch after the answer');
  await c.end();
});

test('session_expired mid-answer: never shown to the app, the call switches as soon as the new one is ready', async () => {
  const clock = new FakeClock(T0);
  const state = {};
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch, { connects: [0, 180] });
  await c.start();
  answerStarts(peers[0].dc, 'resp_1');
  const phases = [];
  c.on('phase', (p) => phases.push(p.to));
  peers[0].dc.receive({ type: 'error', error: { type: 'invalid_request_error', code: 'session_expired',
    message: 'Your session hit the maximum duration of 60 minutes.' } });
  peers[0].dc.close();
  assert.equal(c.phase, Phase.RECOVERING);
  await until(clock, () => c.callId === 'rtc_2', 'the switch');
  assert.equal(c.phase, Phase.LISTENING);
  assert.deepEqual(phases, ['RECOVERING', 'LISTENING']);
  assert.equal(fetch.calls.find((x) => x.url.endsWith('/recover')).body.reason, 'session_expired');
  assert.match(peers[1].dc.sent[0].item.content[0].text, /book a table/);
  const done = seen.find(([k, d]) => k === 'rollover' && d.phase === 'completed')[1];
  assert.equal(done.unplanned, true);
  assert.ok(done.gapMs >= 180, `the gap runs from the call's death to the new call (${done.gapMs} ms)`);
  assert.equal(seen.some(([k, d]) => (k === 'event' && d.type === 'error') || k === 'error' || k === 'channel_closed'), false,
    'no session_expired, no error, no closed channel reached the app');
  await c.events.flush();
  const events = reported(fetch);
  assert.ok(events.some((e) => e.type === 'error' && e.error_code === 'session_expired'), 'session-service is told');
  assert.equal(events.find((e) => e.type === 'client.reconnected').gap_ms, done.gapMs);
  await c.end();
});

test('a planned hand-over that fails keeps the old call, reports rollover_failed, and is retried at most twice per call', async () => {
  const clock = new FakeClock(T0);
  const state = { advice: { action: 'rollover', reason: 'call_age', class: 'rollover' } };
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch, { connects: [0, 'fail', 'fail'] });
  await c.start();
  for (let i = 0; i < 4; i++) {
    await c.events.flush();
    c.events.client('heartbeat');
    await clock.advance(300);
  }
  const failed = seen.filter(([k, d]) => k === 'rollover' && d.phase === 'failed').map(([, d]) => d.reason);
  assert.deepEqual(failed, ['connect_failed', 'connect_failed'], 'two attempts on this call, then the advice is left alone');
  assert.equal(c.callId, 'rtc_1');
  assert.equal(peers[0].pc.closed, false, 'the old call still plays');
  assert.equal(c.phase, Phase.LISTENING);
  assert.equal(fetch.calls.filter((x) => x.url === 'http://tokens/v1/sessions').length, 1, 'no session recovery');
  await c.events.flush();
  assert.deepEqual(reported(fetch).filter((e) => e.type === 'client.rollover_failed').map((e) => e.reason),
    ['connect_failed', 'connect_failed']);
  await c.end();
});

test('an unplanned hand-over that fails falls back to the session recovery, summary replayed', async () => {
  const clock = new FakeClock(T0);
  const state = {};
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch, { connects: [0, 'fail'] });
  await c.start();
  const recovered = new Promise((resolve) => c.on('recovered', resolve));
  peers[0].dc.receive({ type: 'error', error: { code: 'session_expired', message: 'cap' } });
  const result = await driveUntil(clock, recovered);
  assert.equal(result.how, 'rebuilt_with_new_session');
  assert.equal(c.sessionId, 's2');
  assert.equal(peers.length, 2);
  assert.equal(peers[1].request.clientSecret, 'ek_s2_1');
  assert.match(peers[1].dc.sent.find((e) => e.type === 'conversation.item.create').item.content[0].text, /book a table/);
  assert.deepEqual(seen.filter(([k]) => k === 'rollover').map(([, d]) => [d.phase, d.reason]),
    [['planned', 'session_expired'], ['failed', 'connect_failed']]);
  assert.equal(c.phase, Phase.LISTENING);
  await c.events.flush();
  assert.ok(reported(fetch, 's1').some((e) => e.type === 'client.rollover_failed' && e.reason === 'connect_failed'));
  assert.ok(reported(fetch, 's2').some((e) => e.type === 'client.reconnected' && e.reason === 'rollover_failed'));
  await c.end();
});

test('advice session_expired from session-service (its sideband saw the cap) switches at once', async () => {
  const clock = new FakeClock(T0);
  const state = { advice: { action: 'rollover', reason: 'session_expired', class: 'rollover' } };
  const fetch = suite(clock, state);
  const { c, peers } = client(clock, fetch);
  await c.start();
  answerStarts(peers[0].dc, 'resp_1');
  await c.events.flush();
  state.advice = null;
  assert.equal(c.phase, Phase.RECOVERING);
  await until(clock, () => c.callId === 'rtc_2', 'the switch');
  assert.equal(c.phase, Phase.LISTENING);
  await c.end();
});

test('no turn boundary before the switch timeout: the prepared call is closed, the old one goes on', async () => {
  const clock = new FakeClock(T0);
  const state = {};
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch, { options: { rolloverSwitchTimeoutMs: 5000 } });
  await c.start();
  answerStarts(peers[0].dc, 'resp_long');
  state.advice = { action: 'rollover', reason: 'call_age', class: 'rollover' };
  await c.events.flush();
  state.advice = null;
  await until(clock, () => peers.length === 2 && peers[1].dc.sent.length === 1, 'the new call prepared');
  const preparedAt = clock.now();
  await until(clock, () => seen.some(([k, d]) => k === 'rollover' && d.phase === 'failed'), 'the hand-over given up');
  assert.ok(clock.now() - preparedAt >= 4950, `given up after the switch timeout, not before (${clock.now() - preparedAt} ms)`);
  assert.deepEqual(seen.filter(([k]) => k === 'rollover').map(([, d]) => [d.phase, d.reason]),
    [['planned', 'call_age'], ['failed', 'no_turn_boundary']]);
  assert.equal(peers[1].pc.closed, true);
  assert.equal(c.callId, 'rtc_1');
  assert.equal(c.phase, Phase.SPEAKING);
  await c.end();
});

test('end() during a hand-over drops it quietly: the prepared call closed, nothing reported as failed', async () => {
  const clock = new FakeClock(T0);
  const state = {};
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch);
  await c.start();
  answerStarts(peers[0].dc, 'resp_1');
  state.advice = { action: 'rollover', reason: 'call_age', class: 'rollover' };
  await c.events.flush();
  await until(clock, () => peers.length === 2 && peers[1].dc.sent.length === 1, 'the new call prepared');
  await c.end();
  await clock.advance(1000);
  assert.equal(peers[1].pc.closed, true);
  assert.deepEqual(seen.filter(([k]) => k === 'rollover').map(([, d]) => d.phase), ['planned']);
  assert.equal(reported(fetch).some((e) => e.type === 'client.rollover_failed'), false);
});

test('heartbeat: client.heartbeat after heartbeatMs of saying nothing, none while events flow', async () => {
  const clock = new FakeClock(T0);
  const fetch = suite(clock, {});
  const { c, peers } = client(clock, fetch, { options: { heartbeatMs: 5000 } });
  await c.start();
  await clock.advance(4000);
  peers[0].dc.receive({ type: 'input_audio_buffer.speech_started' });
  await clock.advance(4000);
  peers[0].dc.receive({ type: 'input_audio_buffer.speech_stopped' });
  await clock.advance(4000);
  await c.events.flush();
  assert.equal(reported(fetch).filter((e) => e.type === 'client.heartbeat').length, 0, 'something was said every 4 s');
  await clock.advance(11_000);
  await c.events.flush();
  const beats = reported(fetch).filter((e) => e.type === 'client.heartbeat');
  // the last event was at 8 s: beats 5 s after it, then every 5 s
  assert.deepEqual(beats.map((e) => e.occurred_at_ms - T0), [13_000, 18_000, 23_000]);
  assert.deepEqual(Object.keys(beats[0]).sort(), ['occurred_at_ms', 'seq', 'type'], 'no fields');
  await c.end();
  await clock.advance(20_000);
  await c.events.flush();
  assert.equal(reported(fetch).filter((e) => e.type === 'client.heartbeat').length, 3, 'none after end()');
  assert.throws(() => client(clock, fetch, { options: { heartbeatMs: 0 } }), RangeError);
  assert.throws(() => heartbeatInterval(120_000), RangeError);
  assert.throws(() => heartbeatInterval('10s'), RangeError);
});

test('ended by the service: an ENDED answer, then GET, tells the app the reason once and closes the call', async () => {
  const clock = new FakeClock(T0);
  const state = {};
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch);
  await c.start();
  state.phase = 'ENDED';
  state.snapshot = { phase: 'ENDED', end_reason: 'budget_exceeded' };
  c.events.client('heartbeat');
  await c.events.flush();
  await until(clock, () => c.phase === Phase.ENDED, 'the end');
  assert.deepEqual(seen.filter(([k]) => k === 'ended').map(([, d]) => d.reason), ['budget_exceeded']);
  assert.equal(peers[0].pc.closed, true);
  assert.equal(reported(fetch).some((e) => e.type === 'client.ended'), false, 'the client does not end it again');
  await clock.advance(500);
  assert.equal(c.tokens.clientSecret, null, 'the secret forgotten');
  await c.end();
  assert.equal(seen.filter(([k]) => k === 'ended').length, 1);
});

test('ended by the service: a 409 with phase ENDED and end_reason on the interrupt', async () => {
  const clock = new FakeClock(T0);
  const state = { interrupt: { status: 409, body: { error: { code: 'illegal_transition', message: 'nothing to interrupt in ENDED',
    phase: 'ENDED', end_reason: 'abandoned' } } } };
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch);
  await c.start();
  answerStarts(peers[0].dc, 'resp_1');
  c.interrupt();
  await until(clock, () => c.phase === Phase.ENDED, 'the end');
  assert.deepEqual(seen.filter(([k]) => k === 'ended').map(([, d]) => d.reason), ['abandoned']);
  assert.equal(seen.some(([k]) => k === 'error'), false);
});

test('the call closed under the client: GET says why (abandoned), or, when the session runs, nothing is ended', async () => {
  const clock = new FakeClock(T0);
  const state = { snapshot: { phase: 'LISTENING' } };
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch);
  await c.start();
  peers[0].dc.close();
  await clock.advance(100);
  assert.notEqual(c.phase, Phase.ENDED);
  assert.deepEqual(seen.filter(([k]) => k === 'channel_closed').length, 1);
  await c.end();

  const fetch2 = suite(clock, { snapshot: { phase: 'ENDED', end_reason: 'abandoned' } });
  const second = client(clock, fetch2);
  await second.c.start();
  second.peers[0].dc.close();
  await until(clock, () => second.c.phase === Phase.ENDED, 'the end');
  assert.deepEqual(second.seen.filter(([k]) => k === 'ended').map(([, d]) => d.reason), ['abandoned']);
  assert.ok(fetch2.calls.some((x) => x.method === 'GET' && x.headers.authorization === 'Bearer rt1.s1.1'));
});

test('right after a switch, advice about the old call is not acted on; advice confirmed for the new call is', async () => {
  const clock = new FakeClock(T0);
  const state = { advice: { action: 'rollover', reason: 'session_expired', class: 'rollover' }, callId: 'rtc_1' };
  const fetch = suite(clock, state);
  const { c, peers, seen } = client(clock, fetch);
  await c.start();
  await c.events.flush();
  await until(clock, () => c.callId === 'rtc_2', 'the first hand-over');
  // session-service has not applied client.reconnected yet: its view still has the old call, and advises
  c.events.client('heartbeat');
  await c.events.flush();
  await clock.advance(5000);
  assert.equal(peers.length, 2, 'no hand-over of the call that just started');
  assert.equal(fetch.calls.filter((x) => x.url.endsWith('/recover')).length, 1);
  // the view follows the new call; once it is old, the advice is about it
  state.callId = 'rtc_2';
  state.advice = { action: 'rollover', reason: 'call_age', class: 'rollover' };
  c.events.client('heartbeat');
  await c.events.flush();
  await until(clock, () => c.callId === 'rtc_3', 'the second hand-over');
  assert.deepEqual(seen.filter(([k, d]) => k === 'rollover' && d.phase === 'completed').map(([, d]) => d.reason),
    ['session_expired', 'call_age']);
  await c.end();
});

test('the replay is bounded: the most recent part of a long summary, cut at a line', () => {
  const lines = Array.from({ length: 2000 }, (_, i) => `user: line ${i}`).join('\n');
  const text = boundedReplay(lines, 8000);
  assert.ok(text.length <= 8000);
  assert.ok(text.endsWith('user: line 1999'));
  assert.match(text, /^user: line \d+$/m);
  assert.equal(boundedReplay('short'), 'short');
});

test('client event summaries: heartbeat without fields, rollover_failed with a reason, the gap bounded', () => {
  assert.deepEqual(summarizeClient('heartbeat', T0, { reason: 'x' }), { type: 'client.heartbeat', occurred_at_ms: T0 });
  assert.deepEqual(summarizeClient('rollover_failed', T0, { reason: 'Connect Failed!' }),
    { type: 'client.rollover_failed', occurred_at_ms: T0, reason: 'connect_failed' });
  assert.equal(summarizeClient('reconnected', T0, { reason: 'rollover', callId: 'rtc_1', gapMs: 123.4 }).gap_ms, 123);
  assert.equal(summarizeClient('reconnected', T0, { reason: 'rollover', gapMs: 10 ** 9 }).gap_ms, 60_000);
  assert.equal(summarizeClient('reconnected', T0, { reason: 'rollover', gapMs: -5 }).gap_ms, 0);
  assert.equal('gap_ms' in summarizeClient('reconnected', T0, { reason: 'rollover', gapMs: Number.NaN }), false);
  assert.equal('gap_ms' in summarizeClient('connected', T0, { gapMs: 5 }), false);
});

/** An RTCPeerConnection as the library's own on-ramp uses it, with a remote track and a replaceable sender. */
class OnRampPeer extends FakePeerConnection {
  constructor(n) {
    super();
    this.n = n;
    this.senders = [];
    this.iceGatheringState = 'complete';
  }

  addTrack(track) {
    const sender = { track, replaceTrack: async (t) => { sender.track = t; } };
    this.senders.push(sender);
  }

  getSenders() {
    return this.senders;
  }

  createDataChannel(label) {
    this.dc = new FakeDataChannel(label);
    return this.dc;
  }

  async createOffer() {
    return { type: 'offer', sdp: 'v=0\r\n' };
  }

  async setLocalDescription(d) {
    this.localDescription = d;
  }

  async setRemoteDescription() {
    const e = new Event('track');
    e.streams = [{ id: `stream_${this.n}` }];
    this.dispatchEvent(e);
    queueMicrotask(() => this.dc.open());
  }
}

test('the library\'s own on-ramp: the new call plays on a muted element until the switch; the gap waits for it to play', async () => {
  const clock = new FakeClock(T0);
  const state = {};
  const api = suite(clock, state);
  let calls = 0;
  const fetch = async (url, init = {}) => {
    if (url.endsWith('/v1/realtime/calls')) {
      const id = `rtc_${++calls}`;
      return { ok: true, status: 201, text: async () => 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n',
        headers: { get: (n) => (n.toLowerCase() === 'location' ? `/v1/realtime/calls/${id}` : null) } };
    }
    return api(url, init);
  };
  const element = Object.assign(new EventTarget(), { muted: false, volume: 1, currentTime: 0, srcObject: null, play: async () => {} });
  const mic = { kind: 'audio', getSettings: () => ({}) };
  const peers = [];
  const c = new RealtimeVoiceClient({
    tokenServiceUrl: 'http://tokens', sessionServiceUrl: 'http://sessions', metricsServiceUrl: 'http://metrics',
    getUserToken: () => 'user-jwt', deviceId: 'dev-1', fetch, clock, watchNetwork: false,
    realtime: { callsUrl: 'https://calls.example/v1/realtime/calls', audioElement: element,
      microphone: async () => ({ getAudioTracks: () => [mic] }),
      createPeerConnection: () => {
        const pc = new OnRampPeer(peers.length);
        peers.push(pc);
        return pc;
      } },
  });
  const rollovers = [];
  c.on('rollover', (r) => rollovers.push(r));
  await c.start();
  assert.deepEqual(element.srcObject, { id: 'stream_0' });
  answerStarts(peers[0].dc, 'resp_1');
  state.advice = { action: 'rollover', reason: 'call_age', class: 'rollover' };
  await c.events.flush();
  state.advice = null;
  await until(clock, () => peers.length === 2 && peers[1].dc.sent.length === 1, 'the new call prepared');
  assert.deepEqual(element.srcObject, { id: 'stream_0' }, 'the old call still plays on the app\'s element');
  assert.equal(peers[1].senders[0].track, null, 'the new call hears nothing yet');
  assert.equal(peers[0].senders[0].track, mic);

  answerEnds(peers[0].dc, 'resp_1');
  await until(clock, () => element.srcObject?.id === 'stream_1', 'the switch');
  assert.equal(c.callId, 'rtc_2');
  await settle();
  assert.equal(peers[1].senders[0].track, mic, 'the microphone moved to the new call');
  assert.deepEqual(rollovers.map((r) => r.phase), ['planned'], 'completed only once the new audio plays');
  await clock.advance(40);
  element.dispatchEvent(new Event('playing'));
  await until(clock, () => rollovers.length === 2, 'completed');
  assert.ok(rollovers[1].gapMs >= 40 && rollovers[1].gapMs <= 100, `the gap runs to the element playing (${rollovers[1].gapMs} ms)`);
  assert.equal(peers[0].closed, true);
  await c.end();
});

async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
