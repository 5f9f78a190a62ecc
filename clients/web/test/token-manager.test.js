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

// Server-side call creation: no secret, but the session's rotation token (its handle to the suite)
// must outlive its first period, so it is refreshed the way a secret is rotated.

const REFRESH = 'http://tokens/v1/sessions/sess_srv/refresh';

/** token-service's answer to a refresh: generation n, covering ttl seconds from now plus a 60 s grace. */
function refreshAnswer(clock, n, ttl = 300) {
  const end = Math.floor(clock.now() / 1000) + ttl;
  return { session_id: 'sess_srv', generation: n, rotation_token: `rt1.sess_srv.${n}`,
    rotation_token_expires_at: end + 60, expires_at: end, refresh_at: end - 30, ttl_seconds: ttl };
}

function serverManager(clock, fetch, extra = {}) {
  return new TokenManager({ tokenServiceUrl: 'http://tokens', getUserToken: () => 'user-jwt', deviceId: 'dev-1',
    fetch, clock, serverCalls: true, ...extra });
}

/** The session a server-created call began: its handle lives 360 s (TTL 300 s and the grace). */
function firstCall(tm, clock) {
  return tm.adopt({ sessionId: 'sess_srv', rotationToken: 'rt1.sess_srv.0',
    rotationTokenExpiresAt: Math.floor(clock.now() / 1000) + 360, newSession: true });
}

test('server calls: the rotation token of a new session is refreshed before it expires, again and again, never a secret', async () => {
  const clock = new FakeClock(T0);
  let n = 0;
  const fetch = fakeFetch([{ match: (c) => c.url === REFRESH, answer: () => ({ body: refreshAnswer(clock, ++n) }) }]);
  const tm = serverManager(clock, fetch);
  const events = [];
  tm.on('issued', (e) => events.push(['issued', e]));
  tm.on('rotated', (e) => events.push(['rotated', e]));
  firstCall(tm, clock);
  assert.equal(tm.credentials.refreshAtMs, T0 + 180_000, 'halfway through a handle known only by its expiry');
  assert.equal(tm.credentials.rotateAtMs, null, 'no secret to rotate');

  await clock.advance(179_000);
  assert.equal(fetch.calls.length, 0, 'not before refresh time');
  await clock.advance(1_000);
  assert.equal(fetch.calls.length, 1);
  assert.equal(fetch.calls[0].method, 'POST');
  assert.deepEqual(fetch.calls[0].body, { rotation_token: 'rt1.sess_srv.0' });
  assert.equal(fetch.calls[0].headers.authorization, 'Bearer user-jwt');
  assert.equal(fetch.calls[0].headers['x-device-id'], 'dev-1');
  assert.equal(tm.rotationToken, 'rt1.sess_srv.1');
  assert.equal(tm.credentials.expiresAtMs, T0 + 180_000 + 360_000);
  assert.equal(tm.credentials.refreshAtMs, T0 + 180_000 + 270_000, "then at token-service's refresh_at");

  // each refresh spends the token before: the next one goes out with the newest
  await clock.advance(270_000);
  await clock.advance(270_000);
  assert.deepEqual(fetch.calls.map((c) => c.body.rotation_token), ['rt1.sess_srv.0', 'rt1.sess_srv.1', 'rt1.sess_srv.2']);
  assert.equal(tm.rotationToken, 'rt1.sess_srv.3');
  assert.equal(tm.sessionId, 'sess_srv');
  assert.equal(tm.clientSecret, null);
  assert.equal(fetch.calls.every((c) => c.url === REFRESH), true, 'never /rotate, never a new session');
  assert.deepEqual(events.map(([k]) => k), ['issued', 'rotated', 'rotated', 'rotated']);
  assert.deepEqual(events[1][1], { sessionId: 'sess_srv', expiresAtMs: T0 + 540_000, rotateAtMs: null,
    refreshAtMs: T0 + 450_000, secret: false });
  assert.equal(JSON.stringify(events).includes('rt1.'), false, 'events never carry the rotation token');
  tm.stop();
  await clock.advance(600_000);
  assert.equal(fetch.calls.length, 3, 'nothing after stop()');
});

test('server calls: a call of the session made with the token a refresh has since replaced keeps the newest token', async () => {
  const clock = new FakeClock(T0);
  const fetch = fakeFetch([{ match: (c) => c.url === REFRESH, answer: () => ({ body: refreshAnswer(clock, 1) }) }]);
  const tm = serverManager(clock, fetch);
  firstCall(tm, clock);
  await clock.advance(180_000);
  assert.equal(tm.rotationToken, 'rt1.sess_srv.1');
  // a hand-over's call, created with generation 0 while the refresh was out, echoes it back
  tm.adopt({ sessionId: 'sess_srv', rotationToken: 'rt1.sess_srv.0', rotationTokenExpiresAt: null, newSession: false });
  assert.equal(tm.rotationToken, 'rt1.sess_srv.1', 'a spent token would revoke the session at the next refresh');
  assert.equal(tm.credentials.refreshAtMs, T0 + 450_000);
  // a call that began another session replaces it all
  tm.adopt({ sessionId: 'sess_other', rotationToken: 'rt1.other.0', rotationTokenExpiresAt: clock.now() / 1000 + 360 });
  assert.equal(tm.rotationToken, 'rt1.other.0');
  assert.equal(tm.credentials.refreshAtMs, clock.now() + 180_000);
  tm.stop();
});

test('server calls: transient refresh failures are retried with backoff, honouring retry_after_ms', async () => {
  const clock = new FakeClock(T0);
  const fetch = fakeFetch([
    { match: (c) => c.url === REFRESH, times: 2, answer: { status: 503, body: { error: { code: 'unavailable', message: 'Kafka unavailable', retry_after_ms: 2000 } } } },
    { match: (c) => c.url === REFRESH, answer: () => ({ body: refreshAnswer(clock, 1) }) },
  ]);
  const tm = serverManager(clock, fetch);
  const retries = [];
  tm.on('rotation_retry', (r) => retries.push(r));
  firstCall(tm, clock);
  await clock.advance(180_000 + 10_000);
  assert.equal(retries.length, 2);
  assert.ok(retries.every((r) => r.waitMs >= 2000 && r.code === 'unavailable'));
  assert.deepEqual(fetch.calls.map((c) => c.body.rotation_token), ['rt1.sess_srv.0', 'rt1.sess_srv.0', 'rt1.sess_srv.0'],
    'a refused refresh spent nothing: the same token again');
  assert.equal(tm.rotationToken, 'rt1.sess_srv.1');
  tm.stop();
});

test('server calls: a session token-service no longer refreshes is given up for a new one (the next call begins it)', async () => {
  const clock = new FakeClock(T0);
  const fetch = fakeFetch([{ match: (c) => c.url === REFRESH, answer: { status: 401, body: { error: {
    code: 'session_expired', message: 'this rotation token was already used: the session is revoked', reissue_token: true } } } }]);
  const tm = serverManager(clock, fetch);
  const advice = [];
  const reissued = [];
  tm.on('reconnect_advice', (a) => advice.push(a));
  tm.on('reissued', (r) => reissued.push(r));
  firstCall(tm, clock);
  await clock.advance(180_000);
  assert.deepEqual(advice, [{ reason: 'session_expired', reissueToken: true, previousSessionId: 'sess_srv' }]);
  assert.deepEqual(reissued, [{ previousSessionId: 'sess_srv', sessionId: null }]);
  assert.equal(tm.credentials, null);
  assert.equal(fetch.calls.some((c) => c.url === 'http://tokens/v1/sessions'), false, 'still no secret');
  await clock.advance(600_000);
  assert.equal(fetch.calls.length, 1, 'nothing left to refresh');
});

test('server calls: rotate() refreshes now, concurrent callers share it; an answer after stop() is dropped', async () => {
  const clock = new FakeClock(T0);
  let release;
  const gate = new Promise((resolve) => {
    release = resolve;
  });
  let n = 0;
  const fetch = fakeFetch([{ match: (c) => c.url === REFRESH, answer: async () => {
    if (++n === 2) await gate;
    return { body: refreshAnswer(clock, n) };
  } }]);
  const tm = serverManager(clock, fetch);
  firstCall(tm, clock);
  const [a, b] = await Promise.all([tm.rotate(), tm.rotate()]);
  assert.equal(a, b);
  assert.equal(fetch.calls.length, 1);
  assert.equal(tm.rotationToken, 'rt1.sess_srv.1');

  const pending = tm.rotate();
  tm.stop();
  release();
  assert.equal(await pending, null);
  assert.equal(tm.credentials, null, 'a stopped manager holds no token');
});
