// Server-side call creation over more than one period of the session's rotation token: the library
// refreshes it (POST /v1/sessions/{id}/refresh, no secret) and everything that shows it to the suite
// (event reports, telemetry, a hand-over's next call) shows the fresh one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { RealtimeVoiceClient } from '../src/realtime-voice-client.js';
import { localPlan } from '../src/recovery-controller.js';
import { fakeFetch } from './fake-fetch.js';
import { OFFER, OfferingPeer } from './fake-peer.js';

const T0 = 1_800_000_000_000;
const ANSWER = 'v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
const CALLS = 'http://tokens/v1/realtime/calls';
const REFRESH = 'http://tokens/v1/sessions/sess_srv/refresh';

function setup(state) {
  const clock = new FakeClock(T0);
  let calls = 0;
  let generation = 0;
  const fetch = fakeFetch([
    { match: (c) => c.url === CALLS, answer: (c) => {
      const n = ++calls;
      const body = { call_id: `rtc_srv${n}`, sdp: ANSWER, session_id: 'sess_srv' };
      if (!c.body.rotation_token) {
        Object.assign(body, { rotation_token: 'rt1.sess_srv.0', rotation_token_expires_at: T0 / 1000 + 360 });
      }
      return { status: 201, body, headers: { location: `/v1/realtime/calls/rtc_srv${n}` } };
    } },
    { match: (c) => c.url === REFRESH, answer: () => {
      const end = Math.floor(clock.now() / 1000) + 300;
      generation++;
      return { body: { session_id: 'sess_srv', generation, rotation_token: `rt1.sess_srv.${generation}`,
        rotation_token_expires_at: end + 60, expires_at: end, refresh_at: end - 30, ttl_seconds: 300 } };
    } },
    { match: (c) => c.url.endsWith('/events'), answer: (c) => ({ status: 202,
      body: { accepted: c.body.events.length, phase: 'LISTENING', advice: state.advice ?? null } }) },
    { match: (c) => c.url.endsWith('/recover'), answer: (c) => ({ body: { status: 'recovering',
      plan: localPlan(c.body.reason), summary: { text: 'user: hello', lines: [] } } }) },
    { match: (c) => c.method === 'GET', answer: () => ({ body: { phase: 'LISTENING', call_id: state.callId ?? null,
      advice: state.advice ?? null } }) },
    { match: (c) => c.url === 'http://metrics/v1/telemetry', answer: (c) => ({ body: { accepted: c.body.samples.length } }) },
  ]);
  const c = new RealtimeVoiceClient({
    tokenServiceUrl: 'http://tokens', sessionServiceUrl: 'http://sessions', metricsServiceUrl: 'http://metrics',
    getUserToken: async () => 'user-jwt', deviceId: 'dev-1', fetch, clock, watchNetwork: false,
    callCreation: 'server',
    realtime: {
      audioElement: { muted: false, volume: 1, currentTime: 0, srcObject: null },
      microphone: async () => ({ getAudioTracks: () => [{ kind: 'audio', getSettings: () => ({}) }] }),
      createPeerConnection: () => new OfferingPeer(),
    },
  });
  return { c, clock, fetch };
}

const bearer = (call) => call.headers.authorization;

test('server calls: past the first period the reports, telemetry and the next call use the refreshed rotation token', async () => {
  const state = {};
  const { c, clock, fetch } = setup(state);
  const rotated = [];
  c.on('rotated', (e) => rotated.push(e));
  await c.start();
  await c.events.flush();
  assert.equal(bearer(fetch.calls.find((x) => x.url.endsWith('/events'))), 'Bearer rt1.sess_srv.0');

  // halfway through the first handle's 360 s, and again at each refresh_at: three periods
  for (let t = 0; t < 800_000; t += 10_000) await clock.advance(10_000);
  const refreshes = fetch.calls.filter((x) => x.url === REFRESH);
  assert.deepEqual(refreshes.map((x) => x.body.rotation_token), ['rt1.sess_srv.0', 'rt1.sess_srv.1', 'rt1.sess_srv.2']);
  assert.equal(c.tokens.rotationToken, 'rt1.sess_srv.3');
  assert.equal(rotated.length, 3);
  assert.ok(rotated.every((e) => e.secret === false));

  // what session-service and metrics-service are shown now: the newest handle
  const before = fetch.calls.length;
  c.events.client('heartbeat');
  await c.events.flush();
  c.telemetry.record({ stage: 'first_audio', ms: 120, at_ms: clock.now() });
  await c.telemetry.flush();
  const shown = fetch.calls.slice(before).filter((x) => x.url.endsWith('/events') || x.url.endsWith('/telemetry'));
  assert.ok(shown.some((x) => x.url.endsWith('/events')) && shown.some((x) => x.url.endsWith('/telemetry')));
  assert.deepEqual([...new Set(shown.map(bearer))], ['Bearer rt1.sess_srv.3']);

  // a hand-over's next call of the session goes out with the newest token, which it keeps
  state.callId = 'rtc_srv1';
  state.advice = { action: 'rollover', reason: 'call_age', class: 'rollover' };
  c.events.client('heartbeat');
  await c.events.flush();
  state.advice = null;
  for (let t = 0; t < 10_000 && c.callId !== 'rtc_srv2'; t += 50) await clock.advance(50);
  assert.equal(c.callId, 'rtc_srv2');
  const next = fetch.calls.filter((x) => x.url === CALLS)[1];
  assert.equal(next.body.rotation_token, 'rt1.sess_srv.3');
  const plan = fetch.calls.filter((x) => x.url.endsWith('/recover')).at(-1);
  assert.equal(bearer(plan), 'Bearer rt1.sess_srv.3', "the hand-over's plan is asked for with it too");
  assert.equal(c.tokens.rotationToken, 'rt1.sess_srv.3');
  assert.equal(c.sessionId, 'sess_srv');
  assert.equal(fetch.calls.some((x) => /\/v1\/sessions$|\/rotate$/.test(x.url)), false, 'never a client secret');
  await c.end();
});
