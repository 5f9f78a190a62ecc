import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { RealtimeVoiceClient } from '../src/realtime-voice-client.js';
import { Phase } from '../src/state-mirror.js';
import { callIdFromLocation } from '../src/webrtc-connect.js';
import { fakeFetch } from './fake-fetch.js';
import { FakeDataChannel, FakePeerConnection } from './fake-peer.js';

const T0 = 1_800_000_000_000;
const OFFER = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
const ANSWER = 'v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

/** An RTCPeerConnection as far as the on-ramp uses it. */
class OfferingPeer extends FakePeerConnection {
  constructor() {
    super();
    this.tracks = [];
    this.iceGatheringState = 'gathering';
    this.remote = null;
  }

  addTrack(track, stream) {
    this.tracks.push([track, stream]);
  }

  createDataChannel(label) {
    this.dc = new FakeDataChannel(label);
    return this.dc;
  }

  async createOffer() {
    return { type: 'offer', sdp: OFFER };
  }

  async setLocalDescription(d) {
    this.localDescription = d;
    queueMicrotask(() => {
      this.iceGatheringState = 'complete';
      this.dispatchEvent(new Event('icegatheringstatechange'));
    });
  }

  async setRemoteDescription(d) {
    this.remote = d;
    queueMicrotask(() => this.dc.open());
  }
}

function setup({ calls }) {
  const clock = new FakeClock(T0);
  const peers = [];
  const expires = Math.floor(T0 / 1000) + 300;
  const fetch = fakeFetch([
    { match: (c) => c.url === 'http://tokens/v1/sessions', answer: { status: 201, body: { session_id: 's1',
      client_secret: { value: 'ek_live_secret', expires_at: expires }, rotate_at: expires - 30, ttl_seconds: 300,
      rotation_token: 'rt1.s1.1' } } },
    { match: (c) => c.url === 'https://calls.example/v1/realtime/calls', answer: calls },
    { match: (c) => c.url.endsWith('/events'), answer: (c) => ({ status: 202, body: { accepted: c.body.events.length } }) },
  ]);
  // fakeFetch parses bodies as JSON: the SDP offer is text, so look at it before
  const wrapped = async (url, init = {}) => {
    if (url.endsWith('/v1/realtime/calls')) {
      wrapped.offers.push({ url, init });
      return fetch(url, { ...init, body: undefined });
    }
    return fetch(url, init);
  };
  wrapped.offers = [];
  wrapped.calls = fetch.calls;
  const element = { muted: false, volume: 1, currentTime: 0, srcObject: null };
  const micTrack = { kind: 'audio', getSettings: () => ({}) };
  const c = new RealtimeVoiceClient({
    tokenServiceUrl: 'http://tokens', sessionServiceUrl: 'http://sessions', metricsServiceUrl: 'http://metrics',
    getUserToken: () => 'user-jwt', deviceId: 'dev-1', fetch: wrapped, clock, watchNetwork: false,
    realtime: {
      callsUrl: 'https://calls.example/v1/realtime/calls',
      audioElement: element,
      microphone: async () => ({ getAudioTracks: () => [micTrack] }),
      createPeerConnection: () => {
        const pc = new OfferingPeer();
        peers.push(pc);
        return pc;
      },
    },
  });
  return { c, clock, fetch: wrapped, peers, element, micTrack };
}

test('the call id is read from Location, absolute or relative; anything else is no call id', () => {
  assert.equal(callIdFromLocation('/v1/realtime/calls/rtc_abc123'), 'rtc_abc123');
  assert.equal(callIdFromLocation('https://api.openai.com/v1/realtime/calls/rtc_X-9_z'), 'rtc_X-9_z');
  assert.equal(callIdFromLocation('/v1/realtime/calls/rtc_1/'), 'rtc_1');
  for (const bad of [null, undefined, '', '/v1/realtime/calls/', '/v1/realtime/calls/a%2Fb', '/elsewhere/rtc_1',
    `/v1/realtime/calls/${'a'.repeat(129)}`, `/v1/realtime/calls/${'a'.repeat(3000)}`, 42]) {
    assert.equal(callIdFromLocation(bad), null, String(bad).slice(0, 40));
  }
});

test('without connect, start() posts the offer with the client secret; an answer that is not an SDP is refused', async () => {
  const { c, fetch, peers, element, micTrack } = setup({ calls: { status: 201, body: { not: 'sdp' },
    headers: { location: '/v1/realtime/calls/rtc_from_location' } } });
  const calls = [];
  c.on('call', (e) => calls.push(e));
  await assert.rejects(c.start(), /not an SDP/);
  assert.equal(peers[0].closed, true, 'the failed peer is closed');
  assert.deepEqual(calls, []);
  assert.equal(fetch.offers[0].init.method, 'POST');
  assert.equal(fetch.offers[0].init.headers.authorization, 'Bearer ek_live_secret');
  assert.equal(fetch.offers[0].init.headers['content-type'], 'application/sdp');
  assert.equal(fetch.offers[0].init.body, OFFER);
  assert.deepEqual(peers[0].tracks.map(([t]) => t), [micTrack]);
  assert.equal(element.muted, false);
  await c.end();
});

function sdpFetch(status, text, headers = {}) {
  return async () => ({ ok: status >= 200 && status < 300, status, text: async () => text,
    headers: { get: (n) => headers[n.toLowerCase()] ?? null } });
}

test('the answer is applied, the call id reaches the app and session-service, and barge-in mutes the element', async () => {
  const s = setup({ calls: {} });
  const realFetch = s.fetch;
  s.c.connector.fetch = sdpFetch(201, ANSWER, { location: 'https://calls.example/v1/realtime/calls/rtc_42' });
  const calls = [];
  s.c.on('call', (e) => calls.push(e));
  await s.c.start();
  assert.deepEqual(calls, [{ callId: 'rtc_42', sessionId: 's1' }]);
  assert.equal(s.c.callId, 'rtc_42');
  assert.deepEqual(s.peers[0].remote, { type: 'answer', sdp: ANSWER });
  assert.equal(s.c.phase, Phase.LISTENING);
  await s.c.events.flush();
  const reported = realFetch.calls.filter((x) => x.url.endsWith('/events')).flatMap((x) => x.body.events);
  assert.deepEqual(reported.filter((e) => e.type === 'client.connected').map((e) => e.call_id), ['rtc_42']);

  // the default playback: muted at barge-in, playing again when the next answer speaks
  const dc = s.peers[0].dc;
  dc.receive({ type: 'input_audio_buffer.speech_stopped' });
  dc.receive({ type: 'response.created', response: { id: 'r1' } });
  dc.receive({ type: 'output_audio_buffer.started', response_id: 'r1' });
  s.c.interrupt();
  assert.equal(s.element.muted, true);
  dc.receive({ type: 'response.done', response: { id: 'r1', status: 'cancelled' } });
  dc.receive({ type: 'input_audio_buffer.speech_stopped' });
  dc.receive({ type: 'response.created', response: { id: 'r2' } });
  dc.receive({ type: 'output_audio_buffer.started', response_id: 'r2' });
  assert.equal(s.element.muted, false);
  await s.c.end();
});

test('upstream refusing the offer fails start() with its error; no call id means a warning, not a silent loss', async () => {
  const refused = setup({ calls: {} });
  refused.c.connector.fetch = sdpFetch(401, JSON.stringify({ error: { code: 'invalid_api_key', message: 'Incorrect API key provided.' } }));
  await assert.rejects(refused.c.start(), (e) => e.status === 401 && e.code === 'invalid_api_key');
  assert.equal(refused.peers[0].closed, true);
  await refused.c.end();

  const down = setup({ calls: {} });
  down.c.connector.fetch = async () => {
    throw new TypeError('Failed to fetch');
  };
  await assert.rejects(down.c.start(), (e) => e.status === 0 && e.code === 'network_error');
  await down.c.end();

  const anonymous = setup({ calls: {} });
  anonymous.c.connector.fetch = sdpFetch(201, ANSWER);
  const warnings = [];
  anonymous.c.on('warning', (w) => warnings.push(w.message));
  await anonymous.c.start();
  assert.equal(anonymous.c.callId, null);
  assert.ok(warnings.some((m) => /no call id/.test(m)), warnings.join('; '));
  await anonymous.c.end();
});
