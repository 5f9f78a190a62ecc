// Server-side call creation (`callCreation: 'server'`): the offer goes to token-service's
// POST /v1/realtime/calls with the user's token, the answer, call id and session come back, and the
// browser never fetches or holds a client secret, not on the first call, not on a hand-over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { ApiError } from '../src/http.js';
import { RealtimeVoiceClient } from '../src/realtime-voice-client.js';
import { Phase } from '../src/state-mirror.js';
import { localPlan } from '../src/recovery-controller.js';
import { fakeFetch } from './fake-fetch.js';
import { OFFER, OfferingPeer } from './fake-peer.js';

const T0 = 1_800_000_000_000;
const ANSWER = 'v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
const CALLS = 'http://tokens/v1/realtime/calls';

/** An RTCPeerConnection as far as the on-ramp uses it. */

/** token-service's 201: a new session with its rotation token, or a call of the session named by one. */
function created(n, body) {
  const answer = { call_id: `rtc_srv${n}`, sdp: ANSWER, session_id: 'sess_srv' };
  if (!body.rotation_token) Object.assign(answer, { rotation_token: 'rt1.sess_srv.0', rotation_token_expires_at: T0 / 1000 + 360 });
  return { status: 201, body: answer, headers: { location: `/v1/realtime/calls/rtc_srv${n}` } };
}

function setup({ calls, state = {} } = {}) {
  const clock = new FakeClock(T0);
  const peers = [];
  let n = 0;
  const fetch = fakeFetch([
    { match: (c) => c.url === CALLS, answer: (c) => (calls ? calls(c, ++n) : created(++n, c.body)) },
    { match: (c) => c.url.endsWith('/events'), answer: (c) => ({ status: 202,
      body: { accepted: c.body.events.length, phase: 'LISTENING', advice: state.advice ?? null } }) },
    { match: (c) => c.url.endsWith('/recover'), answer: (c) => ({ body: { status: 'recovering',
      plan: localPlan(c.body.reason), summary: { text: 'user: hello', lines: [] } } }) },
    { match: (c) => c.method === 'GET', answer: () => ({ body: { phase: 'LISTENING', call_id: state.callId ?? null,
      advice: state.advice ?? null } }) },
    { match: (c) => c.url === 'http://metrics/v1/telemetry', answer: (c) => ({ body: { accepted: c.body.samples.length } }) },
  ]);
  const element = { muted: false, volume: 1, currentTime: 0, srcObject: null };
  const c = new RealtimeVoiceClient({
    tokenServiceUrl: 'http://tokens', sessionServiceUrl: 'http://sessions', metricsServiceUrl: 'http://metrics',
    getUserToken: async () => 'user-jwt', deviceId: 'dev-1', fetch, clock, watchNetwork: false,
    callCreation: 'server',
    realtime: {
      audioElement: element,
      microphone: async () => ({ getAudioTracks: () => [{ kind: 'audio', getSettings: () => ({}) }] }),
      createPeerConnection: () => {
        const pc = new OfferingPeer();
        peers.push(pc);
        return pc;
      },
    },
  });
  return { c, clock, fetch, peers };
}

const posted = (fetch) => fetch.calls.filter((x) => x.url === CALLS);
const reported = (fetch) => fetch.calls.filter((x) => x.url.endsWith('/events')).flatMap((x) => x.body.events);

test('start() posts the offer to token-service with the user token; the call id and session come back, no secret anywhere', async () => {
  const { c, fetch, peers } = setup();
  const seen = [];
  c.on('call', (e) => seen.push(['call', e]));
  c.on('issued', (e) => seen.push(['issued', e]));
  const { sessionId } = await c.start();
  assert.equal(sessionId, 'sess_srv');
  const [post] = posted(fetch);
  assert.equal(post.method, 'POST');
  assert.deepEqual(post.body, { sdp: OFFER }, 'a new session: no rotation token');
  assert.equal(post.headers.authorization, 'Bearer user-jwt');
  assert.equal(post.headers['x-device-id'], 'dev-1');
  assert.equal(post.headers['content-type'], 'application/json');
  assert.deepEqual(peers[0].remote, { type: 'answer', sdp: ANSWER });
  assert.equal(c.callId, 'rtc_srv1');
  assert.equal(c.phase, Phase.LISTENING);
  assert.deepEqual(seen.map(([k]) => k), ['issued', 'call']);
  assert.deepEqual(seen[1][1], { callId: 'rtc_srv1', sessionId: 'sess_srv' });
  // the same report as in direct mode, so session-service attaches its sideband to the call
  await c.events.flush();
  const connected = reported(fetch).find((e) => e.type === 'client.connected');
  assert.equal(connected.call_id, 'rtc_srv1');
  const eventsPost = fetch.calls.find((x) => x.url.endsWith('/events'));
  assert.equal(eventsPost.url, 'http://sessions/v1/sessions/sess_srv/events');
  assert.equal(eventsPost.headers.authorization, 'Bearer rt1.sess_srv.0');
  // never a client secret: no POST /v1/sessions, nothing held, no rotation scheduled
  assert.equal(fetch.calls.some((x) => /\/v1\/sessions$|\/rotate$/.test(x.url)), false);
  assert.equal(c.tokens.clientSecret, null);
  assert.equal(c.tokens.credentials.rotateAtMs, null);
  assert.equal(c.tokens.credentials.expiresAtMs, T0 + 360_000);
  assert.equal(c.connector.callsUrl, CALLS);
  await c.end();
});

test('the endpoint refusing the call fails start() with an ApiError of its code; the peer is closed', async () => {
  const cases = [
    [{ status: 429, body: { error: { code: 'rate_limited', message: 'too many requests for this user', retry_after_ms: 1500 } },
      headers: { 'retry-after': '2' } }, { status: 429, code: 'rate_limited', retryAfterMs: 2000, retryable: true }],
    [{ status: 504, body: { error: { code: 'upstream_timeout', message: 'upstream did not answer in time' } } },
      { status: 504, code: 'upstream_timeout', retryAfterMs: null, retryable: true }],
    [{ status: 400, body: { error: { code: 'invalid_request', message: 'not an SDP offer', field: 'sdp' } } },
      { status: 400, code: 'invalid_request', retryAfterMs: null, retryable: false }],
    [{ status: 401, body: { error: { code: 'unauthenticated', message: 'bad token' } } },
      { status: 401, code: 'unauthenticated', retryAfterMs: null, retryable: false }],
    [{ status: 201, body: { call_id: 'rtc_1', session_id: 's' } }, { status: 502, code: 'invalid_answer', retryAfterMs: null,
      retryable: true }],
    [{ status: 201, body: { call_id: 'rtc_1', sdp: ANSWER, session_id: 's' } }, { status: 502, code: 'invalid_answer',
      retryAfterMs: null, retryable: true }],
    [new TypeError('Failed to fetch'), { status: 0, code: 'network_error', retryAfterMs: null, retryable: true }],
  ];
  for (const [answer, expected] of cases) {
    const { c, peers } = setup({ calls: () => answer });
    const error = await c.start().then(() => null, (e) => e);
    assert.ok(error instanceof ApiError, `${expected.code}: ${error}`);
    assert.deepEqual({ status: error.status, code: error.code, retryAfterMs: error.retryAfterMs, retryable: error.retryable },
      expected);
    assert.equal(peers[0].closed, true);
    assert.equal(c.callId, null);
    await c.end();
  }
  const { c } = setup({ calls: () => ({ status: 400, body: { error: { code: 'invalid_request', message: 'x', field: 'sdp' } } }) });
  await assert.rejects(c.start(), (e) => e.details.field === 'sdp');
  await c.end();
});

test('a hand-over creates the next call of the same session with its rotation token, still without a secret', async () => {
  const state = {};
  const { c, clock, fetch, peers } = setup({ state });
  const rollovers = [];
  c.on('rollover', (d) => rollovers.push(d));
  await c.start();
  state.callId = 'rtc_srv1';
  state.advice = { action: 'rollover', reason: 'call_age', class: 'rollover' };
  await c.events.flush();
  state.advice = null;
  for (let t = 0; t < 10_000 && c.callId !== 'rtc_srv2'; t += 50) await clock.advance(50);
  assert.equal(c.callId, 'rtc_srv2', 'switched to the new call');
  const [, next] = posted(fetch);
  assert.deepEqual(next.body, { sdp: OFFER, rotation_token: 'rt1.sess_srv.0' });
  assert.equal(next.headers.authorization, 'Bearer user-jwt');
  assert.equal(c.sessionId, 'sess_srv');
  assert.equal(c.tokens.rotationToken, 'rt1.sess_srv.0', 'the session keeps its token');
  assert.equal(peers[0].closed, true, 'the old call closed');
  assert.deepEqual(rollovers.map((d) => d.phase), ['planned', 'completed']);
  await c.events.flush();
  const reconnected = reported(fetch).find((e) => e.type === 'client.reconnected');
  assert.deepEqual([reconnected.reason, reconnected.call_id], ['rollover', 'rtc_srv2']);
  assert.equal(fetch.calls.some((x) => /\/v1\/sessions$|\/rotate$/.test(x.url)), false, 'no secret fetched for the hand-over');
  assert.equal(c.tokens.clientSecret, null);
  await c.end();
});

test('a session token-service no longer takes is replaced by a new one on a rebuild', async () => {
  let refused = false;
  const { c, fetch } = setup({ calls: (call, n) => {
    if (call.body.rotation_token && !refused) {
      refused = true;
      return { status: 401, body: { error: { code: 'session_expired', message: 'start a new session', reissue_token: true } } };
    }
    return { status: 201, body: { call_id: `rtc_srv${n}`, sdp: ANSWER, session_id: `sess_${n}`, rotation_token: `rt_${n}` } };
  } });
  const reissued = [];
  c.on('reissued', (e) => reissued.push(e));
  await c.start();
  assert.equal(c.sessionId, 'sess_1');
  await c.recover('network_switch', { plan: { ...localPlan('network_switch'), ice_restart: false } });
  assert.deepEqual(posted(fetch).map((x) => x.body.rotation_token ?? null), [null, 'rt_1', null]);
  assert.equal(c.sessionId, 'sess_3');
  assert.equal(c.callId, 'rtc_srv3');
  assert.deepEqual(reissued, [{ previousSessionId: 'sess_1', sessionId: 'sess_3' }]);
  await c.end();
});

test("callCreation 'server' is the library's on-ramp: with the app's own connect, or an unknown mode, it refuses", () => {
  const base = { tokenServiceUrl: 'http://tokens', sessionServiceUrl: 'http://s', metricsServiceUrl: 'http://m',
    getUserToken: () => 't', deviceId: 'd', fetch: async () => null };
  assert.throws(() => new RealtimeVoiceClient({ ...base, callCreation: 'server', connect: async () => ({}) }), TypeError);
  assert.throws(() => new RealtimeVoiceClient({ ...base, callCreation: 'browser', realtime: { audioElement: {} } }), TypeError);
});
