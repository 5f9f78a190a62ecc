import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { RealtimeVoiceClient, summaryText } from '../src/realtime-voice-client.js';
import { Phase } from '../src/state-mirror.js';
import { driveUntil, fakeFetch } from './fake-fetch.js';
import { FakeDataChannel, FakePeerConnection } from './fake-peer.js';

const T0 = 1_800_000_000_000;
const SECRET = 'ek_secret_never_reported';

function issued(clock, id, n = 1, ttl = 300) {
  const expires = Math.floor(clock.now() / 1000) + ttl;
  return { session_id: id, client_secret: { value: `${SECRET}_${id}_${n}`, expires_at: expires },
    rotate_at: expires - 30, ttl_seconds: ttl, rotation_token: `rt1.${id}.${n}` };
}

/** The suite's HTTP APIs as the client sees them, scripted. */
function suite(clock, { rotation = 'ok', recoverPlan = null, summary = null } = {}) {
  let sessions = 0;
  const routes = [
    { match: (c) => c.url === 'http://tokens/v1/sessions', answer: () => ({ status: 201, body: issued(clock, `s${++sessions}`) }) },
    { match: (c) => c.url.endsWith('/rotate'), answer: () => (rotation === 'ok'
      ? { body: issued(clock, 's1', 2) }
      : { status: 502, body: { error: { code: 'rotation_failed', message: 'upstream 5xx', reason: 'upstream_5xx', reissue_token: true } } }) },
    { match: (c) => /\/v1\/sessions\/[^/]+\/events$/.test(c.url), answer: (c) => ({ status: 202, body: { accepted: c.body.events.length } }) },
    { match: (c) => c.url.endsWith('/interrupt'), answer: (c) => ({ body: { status: 'cancelling', interrupt_id: c.body.interrupt_id, phase: 'CANCELLING' } }) },
    { match: (c) => c.url.endsWith('/recover'), answer: () => ({ body: { status: 'recovering', plan: recoverPlan, summary: { text: '', lines: [] } } }) },
    { match: (c) => c.method === 'GET' && c.url.startsWith('http://sessions/v1/sessions/'), answer: { body: { summary } } },
    { match: (c) => c.url === 'http://metrics/v1/telemetry', answer: (c) => ({ body: { accepted: c.body.samples.length, rejected: 0, rejections: [] } }) },
  ];
  return fakeFetch(routes);
}

function client(clock, fetch, extra = {}) {
  const peers = [];
  const log = [];
  const c = new RealtimeVoiceClient({
    tokenServiceUrl: 'http://tokens', sessionServiceUrl: 'http://sessions', metricsServiceUrl: 'http://metrics',
    getUserToken: () => 'user-jwt', deviceId: 'dev-1', platform: 'web-test', fetch, clock, watchNetwork: false,
    playback: { stop: () => log.push(['playback.stop', peers.at(-1)?.dc.sent.length ?? 0]) },
    connect: async (request) => {
      const pc = new FakePeerConnection(extra.peer);
      const dc = new FakeDataChannel();
      peers.push({ pc, dc, request });
      queueMicrotask(() => dc.open());
      return { pc, dc, callId: `call_${peers.length}` };
    },
    ...extra.options,
  });
  return { c, peers, log };
}

/** A turn as WebRTC delivers it: the audio is on the media track, the channel says when it starts. */
function upstreamTurn(dc, rid, { done = true } = {}) {
  dc.receive({ type: 'input_audio_buffer.speech_started', event_id: `ev_${rid}_0` });
  dc.receive({ type: 'input_audio_buffer.speech_stopped', event_id: `ev_${rid}_1` });
  dc.receive({ type: 'response.created', event_id: `ev_${rid}_2`, response: { id: rid, status: 'in_progress' } });
  dc.receive({ type: 'response.output_item.added', event_id: `ev_${rid}_3`, response_id: rid, item: { id: `item_${rid}` } });
  dc.receive({ type: 'output_audio_buffer.started', event_id: `ev_${rid}_4`, response_id: rid });
  if (done) dc.receive({ type: 'response.done', event_id: `ev_${rid}_5`, response: { id: rid, status: 'completed' } });
}

/** Base64 of `ms` of PCM16 24 kHz audio (48 bytes a millisecond). */
function pcm(ms) {
  return Buffer.alloc(48 * ms).toString('base64');
}

/** Lets the stats reads and the measurement's continuations run. */
async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function reported(fetch) {
  return fetch.calls.filter((c) => c.url.endsWith('/events')).flatMap((c) => c.body.events);
}

test('start creates the session, hands the secret to the app, and listens once the channel opens', async () => {
  const clock = new FakeClock(T0);
  const fetch = suite(clock);
  const { c, peers } = client(clock, fetch);
  const phases = [];
  c.on('phase', (p) => phases.push(p.to));
  await c.start();
  assert.equal(peers.length, 1);
  assert.equal(peers[0].request.clientSecret, `${SECRET}_s1_1`);
  assert.equal(peers[0].request.reason, null);
  assert.equal(c.phase, Phase.LISTENING);
  await c.events.flush();
  assert.deepEqual(reported(fetch).map((e) => [e.type, e.seq, e.call_id]), [['client.connected', 1, 'call_1']]);
  await c.end();
});

test('two turns: the mirror follows, every turn reports first audio and full turn, the secret is never sent', async () => {
  const clock = new FakeClock(T0);
  const fetch = suite(clock);
  const { c, peers } = client(clock, fetch);
  const samples = [];
  c.on('latency', (s) => samples.push(s));
  await c.start();
  const { dc } = peers[0];
  for (const [i, rid] of ['resp_1', 'resp_2'].entries()) {
    dc.receive({ type: 'input_audio_buffer.speech_stopped', event_id: `stop_${i}` });
    assert.equal(c.phase, Phase.THINKING);
    await clock.advance(400);
    dc.receive({ type: 'response.created', response: { id: rid } });
    dc.receive({ type: 'response.output_audio.delta', response_id: rid, item_id: `item_${i}`, delta: 'AAAA' });
    assert.equal(c.phase, Phase.SPEAKING);
    await clock.advance(1500);
    dc.receive({ type: 'response.done', response: { id: rid, status: 'completed' } });
    assert.equal(c.phase, Phase.LISTENING);
    await clock.advance(10);
  }
  const firstAudio = samples.filter((s) => s.stage === 'first_audio');
  assert.deepEqual(firstAudio.map((s) => [s.turn, s.value_ms]), [[1, 400], [2, 400]]);
  assert.deepEqual(samples.filter((s) => s.stage === 'full_turn').map((s) => s.value_ms), [1900, 1900]);
  assert.ok(samples.some((s) => s.stage === 'uplink' && s.value_ms === 20), 'half the round trip from getStats');
  assert.ok(samples.some((s) => s.stage === 'capture' && s.value_ms === 10), 'the microphone track latency');
  await c.end();
  const telemetry = fetch.calls.filter((call) => call.url === 'http://metrics/v1/telemetry');
  assert.ok(telemetry.length >= 1);
  assert.equal(telemetry[0].headers.authorization, 'Bearer rt1.s1.1');
  const sent = JSON.stringify(fetch.calls.filter((call) => !call.url.startsWith('http://tokens')));
  assert.equal(sent.includes(SECRET), false, 'the client secret never leaves for session- or metrics-service');
  assert.equal(sent.includes('AAAA'), false, 'no audio is reported');
  const types = reported(fetch).map((e) => e.type);
  assert.equal(types.filter((t) => t === 'response.done').length, 2);
  assert.equal(types.at(-1), 'client.ended');
});

test('barge-in while speaking: playback stops first, then cancel, clear and truncate at what was played', async () => {
  const clock = new FakeClock(T0);
  const fetch = suite(clock);
  const { c, peers, log } = client(clock, fetch);
  await c.start();
  const { dc, pc } = peers[0];
  upstreamTurn(dc, 'resp_1', { done: false });
  assert.equal(c.phase, Phase.SPEAKING);
  await settle();
  await clock.advance(700);
  pc.play(700);
  const interrupts = [];
  c.on('interrupt', (i) => interrupts.push(i));
  const forwarded = [];
  c.on('event', (e) => forwarded.push(e.type));
  const reportedInterrupt = new Promise((resolve) => c.on('interrupt_reported', resolve));
  dc.receive({ type: 'input_audio_buffer.speech_started', event_id: 'ev_barge' });

  assert.deepEqual(log, [['playback.stop', 0]], 'playback stopped before anything was sent');
  assert.deepEqual(dc.sent, [{ type: 'response.cancel', response_id: 'resp_1' }, { type: 'output_audio_buffer.clear' }]);
  assert.equal(c.phase, Phase.CANCELLING);
  assert.equal(c.responseId, null);
  await settle();
  const { event_id: truncateId, ...truncate } = dc.sent[2];
  assert.deepEqual(truncate, { type: 'conversation.item.truncate', item_id: 'item_resp_1', content_index: 0, audio_end_ms: 700 });
  assert.match(truncateId, /^evt_trunc_/);
  assert.equal(interrupts[0].cause, 'speech_started');
  assert.equal(interrupts[0].playedSource, 'webrtc_stats');

  // late events of the cancelled response are dropped: the app never sees them
  dc.receive({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_resp_1', delta: 'late' });
  dc.receive({ type: 'response.output_audio_transcript.done', response_id: 'resp_1', transcript: 'late words' });
  assert.deepEqual(forwarded, ['input_audio_buffer.speech_started']);
  assert.equal(c.stats.staleDropped, 2);
  dc.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled' } });
  assert.equal(c.phase, Phase.LISTENING);
  dc.receive({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_resp_1', delta: 'later' });
  assert.equal(c.phase, Phase.LISTENING, 'a stale event does not move the state');

  // the interrupt goes to session-service after the events that led to it
  await driveUntil(clock, reportedInterrupt);
  const i = fetch.calls.findIndex((call) => call.url.endsWith('/interrupt'));
  const lastEventsBefore = fetch.calls.slice(0, i).filter((call) => call.url.endsWith('/events')).flatMap((x) => x.body.events);
  assert.ok(lastEventsBefore.some((e) => e.type === 'client.playback_stopped' && e.response_id === 'resp_1' && e.played_ms === 700));
  assert.deepEqual({ ...fetch.calls[i].body, interrupt_id: 'x' }, { interrupt_id: 'x', audio_end_ms: 700,
    occurred_at_ms: T0 + 700, response_id: 'resp_1', item_id: 'item_resp_1' });
  assert.equal(fetch.calls[i].headers.authorization, 'Bearer rt1.s1.1');
  // and the end of the cancelled response only after it, or session-service would find nothing to interrupt
  await c.events.flush();
  const doneAt = fetch.calls.findIndex((call) => call.url.endsWith('/events')
    && call.body.events.some((e) => e.type === 'response.done' && e.status === 'cancelled'));
  assert.ok(doneAt > i, `response.done reported at call ${doneAt}, after the interrupt at ${i}`);
  await c.end();
});

test('a playback stall is not counted as heard: the truncate carries the audio played, not the wall clock', async () => {
  const clock = new FakeClock(T0);
  const { c, peers } = client(clock, suite(clock));
  await c.start();
  const { dc, pc } = peers[0];
  upstreamTurn(dc, 'resp_1', { done: false });
  await settle();
  await clock.advance(300);
  pc.play(300);
  await clock.advance(1500);
  pc.stall(1500); // nothing arrives for 1.5 s: concealment, not audio
  await clock.advance(200);
  pc.play(200);
  const heard = new Promise((resolve) => c.on('interrupt', resolve));
  c.interrupt();
  const detail = await heard;
  assert.deepEqual([detail.audioEndMs, detail.playedMs, detail.deliveredMs], [500, 500, null]);
  assert.equal(dc.sent.find((e) => e.type === 'conversation.item.truncate').audio_end_ms, 500, 'not the 2000 ms of wall clock');
  await c.end();
});

test('the truncate carries min(played, delivered): an item upstream sent only 200 ms of is truncated at 200', async () => {
  const clock = new FakeClock(T0);
  const { c, peers } = client(clock, suite(clock));
  await c.start();
  const { dc, pc } = peers[0];
  dc.receive({ type: 'input_audio_buffer.speech_stopped' });
  dc.receive({ type: 'response.created', response: { id: 'resp_ws' } });
  dc.receive({ type: 'response.output_audio.delta', response_id: 'resp_ws', item_id: 'item_ws', delta: pcm(120) });
  await settle();
  dc.receive({ type: 'response.output_audio.delta', response_id: 'resp_ws', item_id: 'item_ws', delta: pcm(80) });
  await clock.advance(900);
  pc.play(900); // the media clock ran on (another source's audio, comfort noise): it cannot exceed what was sent
  const heard = new Promise((resolve) => c.on('interrupt', resolve));
  c.interrupt();
  const detail = await heard;
  assert.deepEqual([detail.playedMs, detail.deliveredMs, detail.audioEndMs], [900, 200, 200]);
  await c.end();
});

test('the audio element and the stats both measure: audio is heard only when both advanced', async () => {
  const clock = new FakeClock(T0);
  const element = { currentTime: 10 };
  const { c, peers } = client(clock, suite(clock), { options: { playback: { stop() {}, element } } });
  await c.start();
  const { dc, pc } = peers[0];
  upstreamTurn(dc, 'resp_1', { done: false });
  await settle();
  await clock.advance(1000);
  pc.play(1000);
  element.currentTime += 0.4; // the element was paused (autoplay, device switch) for 600 ms of it
  const heard = new Promise((resolve) => c.on('interrupt', resolve));
  c.interrupt();
  const detail = await heard;
  assert.equal(detail.audioEndMs, 400);
  assert.equal(detail.playedSource, 'audio_element+webrtc_stats');
  await c.end();
});

test('the truncate\'s answer is reported: confirmed, already shorter (not a failure), or unconfirmed', async () => {
  const clock = new FakeClock(T0);
  const fetch = suite(clock);
  const { c, peers } = client(clock, fetch, { options: { ackTimeoutMs: 1000 } });
  await c.start();
  const { dc, pc } = peers[0];
  const seen = [];
  for (const kind of ['truncated', 'truncate_already_shorter', 'truncate_unconfirmed', 'truncate_refused', 'recovery_failed',
    'cancel_unacknowledged', 'error']) {
    c.on(kind, (d) => seen.push([kind, d]));
  }
  const interruptAt = async (rid, playMs) => {
    upstreamTurn(dc, rid, { done: false });
    await settle();
    pc.play(playMs);
    c.interrupt();
    await settle();
    dc.receive({ type: 'response.done', response: { id: rid, status: 'cancelled' } });
    return dc.sent.findLast((e) => e.type === 'conversation.item.truncate');
  };

  const first = await interruptAt('resp_1', 640);
  dc.receive({ type: 'output_audio_buffer.cleared', response_id: 'resp_1' });
  dc.receive({ type: 'conversation.item.truncated', item_id: 'item_resp_1', content_index: 0, audio_end_ms: first.audio_end_ms });
  assert.deepEqual(seen.map(([k]) => k), ['truncated']);
  assert.equal(seen[0][1].audioEndMs, 640);
  assert.equal(seen[0][1].confirmedAudioEndMs, 640);
  assert.equal(seen[0][1].cleared, true);

  const second = await interruptAt('resp_2', 900);
  dc.receive({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', event_id: second.event_id,
    message: 'Audio content of 850ms is already shorter than 900ms' } });
  assert.deepEqual(seen.map(([k]) => k), ['truncated', 'truncate_already_shorter']);
  assert.equal(seen[1][1].itemId, 'item_resp_2');
  assert.match(seen[1][1].message, /already shorter/);
  assert.equal(c.phase, Phase.LISTENING, 'the interrupt itself succeeded');

  await interruptAt('resp_3', 100);
  await clock.advance(1000);
  assert.deepEqual(seen.map(([k]) => k), ['truncated', 'truncate_already_shorter', 'truncate_unconfirmed']);
  assert.equal(seen[2][1].cleared, false);
  await c.end();
});

test('interrupt() by the app does the same; with nothing playing it does nothing', async () => {
  const clock = new FakeClock(T0);
  const { c, peers, log } = client(clock, suite(clock));
  await c.start();
  assert.equal(c.interrupt(), null);
  assert.deepEqual(peers[0].dc.sent, []);
  assert.deepEqual(log, []);
  upstreamTurn(peers[0].dc, 'resp_7', { done: false });
  const detail = c.interrupt();
  assert.equal(detail.cause, 'app');
  assert.equal(detail.responseId, 'resp_7');
  await settle();
  assert.deepEqual(peers[0].dc.types(), ['response.cancel', 'output_audio_buffer.clear', 'conversation.item.truncate']);
  assert.equal(log.length, 1);
  await c.end();
});

test('a cancel never acknowledged is reported as failed and the client listens again', async () => {
  const clock = new FakeClock(T0);
  const fetch = suite(clock);
  const { c, peers } = client(clock, fetch, { options: { ackTimeoutMs: 1000 } });
  await c.start();
  upstreamTurn(peers[0].dc, 'resp_1', { done: false });
  c.interrupt();
  await clock.advance(1000);
  assert.equal(c.phase, Phase.LISTENING);
  await c.events.flush();
  assert.ok(reported(fetch).some((e) => e.type === 'client.cancel_failed'));
  await c.end();
});

test('ICE failure: the plan is asked for, ICE restarts on the same peer, and the session listens again', async () => {
  const clock = new FakeClock(T0);
  const plan = { class: 'transport', reason: 'ice_failed', rebuild_peer: true, keep_token: true, reissue_token: false,
    new_upstream_session: false, replay_summary: true, ice_restart: true, rotate_first: false };
  const fetch = suite(clock, { recoverPlan: plan });
  const { c, peers } = client(clock, fetch);
  await c.start();
  const recovered = new Promise((resolve) => c.on('recovered', resolve));
  peers[0].pc.setIce('failed');
  assert.equal(c.phase, Phase.RECOVERING);
  const result = await recovered;
  assert.equal(result.how, 'ice_restarted');
  assert.equal(peers.length, 1, 'no new peer');
  assert.equal(peers[0].pc.restarts, 1);
  assert.equal(c.phase, Phase.LISTENING);
  await c.events.flush();
  const events = reported(fetch).map((e) => [e.type, e.ice_state ?? e.reason]);
  assert.deepEqual(events.filter(([t]) => t !== 'client.connected'), [
    ['client.ice_state', 'failed'], ['client.ice_state', 'checking'], ['client.ice_state', 'connected'],
    ['client.reconnected', 'ice_restart']]);
  assert.equal(fetch.calls.find((call) => call.url.endsWith('/recover')).body.reason, 'ice_failed');
  await c.end();
});

test('a restart that does not reconnect rebuilds the peer with the same secret', async () => {
  const clock = new FakeClock(T0);
  const plan = { class: 'transport', reason: 'network_switch', rebuild_peer: true, keep_token: true,
    reissue_token: false, new_upstream_session: false, replay_summary: true, ice_restart: true, rotate_first: false };
  const fetch = suite(clock, { recoverPlan: plan });
  const { c, peers } = client(clock, fetch, { peer: { restartWorks: false }, options: { iceRestartTimeoutMs: 2000 } });
  await c.start();
  const done = c.recover('network_switch');
  const result = await driveUntil(clock, done);
  assert.equal(result.how, 'rebuilt');
  assert.equal(peers.length, 2);
  assert.equal(peers[1].request.clientSecret, peers[0].request.clientSecret);
  assert.equal(peers[1].request.previous.pc, peers[0].pc);
  assert.equal(peers[0].pc.closed, true);
  assert.equal(c.phase, Phase.LISTENING);
  await c.events.flush();
  assert.ok(reported(fetch).some((e) => e.type === 'client.reconnected' && e.reason === 'network_switch'));
  await c.end();
});

test('a failed rotation reissues, and the call moves to the new session once the assistant has finished', async () => {
  const clock = new FakeClock(T0);
  const summary = { lines: [{ role: 'user', text: 'book a table' }, { role: 'assistant', text: 'for how many?' }] };
  const fetch = suite(clock, { rotation: 'fail', summary });
  const { c, peers } = client(clock, fetch);
  await c.start();
  upstreamTurn(peers[0].dc, 'resp_1', { done: false });
  const recovered = new Promise((resolve) => c.on('recovered', resolve));
  await clock.advance(270_000); // rotate_at: the rotation fails upstream, the advice is a new session
  assert.equal(c.sessionId, 's2');
  assert.equal(peers.length, 1, 'the assistant is not cut off mid-sentence');
  peers[0].dc.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } });
  const result = await recovered;
  assert.equal(result.how, 'rebuilt_with_new_session');
  assert.equal(peers.length, 2);
  assert.equal(peers[1].request.clientSecret, `${SECRET}_s2_1`);
  assert.equal(peers[1].request.newUpstreamSession, true);
  const replay = peers[1].dc.sent.find((e) => e.type === 'conversation.item.create');
  assert.match(replay.item.content[0].text, /user: book a table\nassistant: for how many\?/);
  await c.events.flush();
  const calls = fetch.calls.filter((call) => call.url.endsWith('/events'));
  const old = calls.filter((call) => call.url.includes('/s1/')).flatMap((call) => call.body.events);
  const fresh = calls.filter((call) => call.url.includes('/s2/')).flatMap((call) => call.body.events);
  assert.equal(old.at(-1).type, 'client.ended');
  assert.equal(old.at(-1).reason, 'session_reissued');
  assert.deepEqual(fresh.map((e) => [e.type, e.seq, e.reason]), [['client.reconnected', 1, 'rotation_failed']]);
  await c.end();
});

test('summaryText renders lines when the server gave no text', () => {
  assert.equal(summaryText(null), '');
  assert.equal(summaryText({ text: 'x' }), 'x');
  assert.equal(summaryText({ lines: [{ role: 'user', text: 'a' }, { role: 'assistant', text: 'b' }] }), 'user: a\nassistant: b');
});

test('false interruption: short speech over the assistant ducks playback, then resumes at full volume, nothing cancelled', async () => {
  const clock = new FakeClock(T0);
  const element = { currentTime: 0, volume: 0.8 };
  const stops = [];
  const { c, peers } = client(clock, suite(clock), { options: {
    falseInterruption: { minSpeechMs: 500, duckVolume: 0.2 },
    playback: { stop: () => stops.push(clock.now()), element } } });
  await c.start();
  const { dc } = peers[0];
  upstreamTurn(dc, 'resp_1', { done: false });
  const seen = [];
  for (const kind of ['interrupt_pending', 'false_interruption', 'interruption_committed', 'interrupt']) c.on(kind, (d) => seen.push([kind, d]));
  const phases = [];
  c.on('phase', (p) => phases.push(p.to));

  dc.receive({ type: 'input_audio_buffer.speech_started', item_id: 'item_cough' });
  assert.equal(c.phase, Phase.PENDING_INTERRUPT);
  assert.equal(element.volume, 0.2, 'ducked');
  dc.receive({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_resp_1', delta: 'AAAA' });
  await clock.advance(200);
  dc.receive({ type: 'input_audio_buffer.speech_stopped', item_id: 'item_cough' });
  assert.equal(c.phase, Phase.SPEAKING);
  assert.equal(element.volume, 0.8, 'full volume again');
  assert.deepEqual(dc.sent, [], 'no cancel, no clear, no truncate');
  assert.deepEqual(stops, []);
  assert.deepEqual(phases, ['PENDING_INTERRUPT', 'SPEAKING']);
  assert.deepEqual(seen.map(([k, d]) => [k, d.reason ?? null]), [['interrupt_pending', null], ['false_interruption', 'short_speech']]);
  assert.equal(seen[1][1].speechMs, 200);
  assert.equal(c.stats.falseInterruptions, 1);
  assert.equal(c.stats.interrupts, 0);
  // the answer goes on and ends normally
  dc.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } });
  assert.equal(c.phase, Phase.LISTENING);
  await c.end();
});

test('a real interruption: speech past minSpeechMs commits the cancel while the user still speaks', async () => {
  const clock = new FakeClock(T0);
  const element = { currentTime: 0, volume: 1 };
  const stops = [];
  const { c, peers } = client(clock, suite(clock), { options: {
    falseInterruption: { minSpeechMs: 500 }, playback: { stop: () => stops.push(clock.now()), element } } });
  await c.start();
  const { dc } = peers[0];
  upstreamTurn(dc, 'resp_1', { done: false });
  const committed = [];
  c.on('interruption_committed', (d) => committed.push(d));
  dc.receive({ type: 'input_audio_buffer.speech_started', item_id: 'item_barge' });
  await clock.advance(499);
  assert.deepEqual(dc.sent, []);
  assert.equal(element.volume, 0.3);
  await clock.advance(1);
  assert.deepEqual(stops, [T0 + 500]);
  assert.deepEqual(dc.types().slice(0, 2), ['response.cancel', 'output_audio_buffer.clear']);
  assert.equal(c.phase, Phase.CANCELLING);
  assert.equal(element.volume, 1, 'the next answer plays at full volume');
  assert.deepEqual(committed.map((d) => [d.reason, d.responseId, d.stillSpeaking]), [['policy_met', 'resp_1', true]]);
  await settle();
  assert.equal(dc.types().at(-1), 'conversation.item.truncate');
  // the user's speech goes on: it is the next turn, not another interrupt
  dc.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled' } });
  dc.receive({ type: 'input_audio_buffer.speech_stopped', item_id: 'item_barge' });
  assert.equal(c.phase, Phase.THINKING);
  assert.equal(c.stats.interrupts, 1);
  await c.end();
});

test('minWords: "uh-huh" resumes, "no wait stop" cancels; the app\'s duck/unduck replace the volume', async () => {
  const clock = new FakeClock(T0);
  const calls = [];
  const { c, peers } = client(clock, suite(clock), { options: {
    falseInterruption: { minSpeechMs: 200, minWords: 2 },
    playback: { stop: () => calls.push('stop'), duck: (v) => calls.push(`duck ${v}`), unduck: () => calls.push('unduck') } } });
  await c.start();
  const { dc } = peers[0];
  upstreamTurn(dc, 'resp_1', { done: false });
  dc.receive({ type: 'input_audio_buffer.speech_started', item_id: 'item_1' });
  await clock.advance(400);
  dc.receive({ type: 'input_audio_buffer.speech_stopped', item_id: 'item_1' });
  assert.equal(c.phase, Phase.PENDING_INTERRUPT, 'long enough: waiting for the words');
  // another item's transcript does not count
  dc.receive({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_0', transcript: 'a b c d' });
  assert.equal(c.phase, Phase.PENDING_INTERRUPT);
  dc.receive({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', transcript: 'uh-huh' });
  assert.equal(c.phase, Phase.SPEAKING);
  assert.deepEqual(calls, ['duck 0.3', 'unduck']);

  dc.receive({ type: 'input_audio_buffer.speech_started', item_id: 'item_2' });
  await clock.advance(300);
  dc.receive({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_2', delta: 'no wait ' });
  assert.equal(c.phase, Phase.CANCELLING);
  assert.deepEqual(calls, ['duck 0.3', 'unduck', 'duck 0.3', 'stop', 'unduck']);
  await c.end();
});

test('the answer ends while the speech is judged: LISTENING at full volume, nothing decided; interrupt() decides at once', async () => {
  const clock = new FakeClock(T0);
  const element = { currentTime: 0, volume: 1 };
  const { c, peers } = client(clock, suite(clock), { options: {
    falseInterruption: { minSpeechMs: 800 }, playback: { stop() {}, element } } });
  await c.start();
  const { dc } = peers[0];
  const decided = [];
  for (const kind of ['false_interruption', 'interruption_committed']) c.on(kind, () => decided.push(kind));
  upstreamTurn(dc, 'resp_1', { done: false });
  dc.receive({ type: 'input_audio_buffer.speech_started', item_id: 'item_1' });
  dc.receive({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } });
  assert.equal(c.phase, Phase.LISTENING);
  assert.equal(element.volume, 1);
  await clock.advance(2000);
  assert.deepEqual(decided, []);
  assert.deepEqual(dc.sent, []);

  upstreamTurn(dc, 'resp_2', { done: false });
  dc.receive({ type: 'input_audio_buffer.speech_started', item_id: 'item_2' });
  assert.equal(c.phase, Phase.PENDING_INTERRUPT);
  const detail = c.interrupt();
  assert.equal(detail.from, Phase.PENDING_INTERRUPT);
  assert.equal(c.phase, Phase.CANCELLING);
  await settle();
  assert.equal(element.volume, 1);
  await clock.advance(2000);
  assert.deepEqual(decided, [], 'the pending judgement was dropped, not decided later');
  await c.end();
});

test('without a policy, speech over the assistant cancels at once (as before)', async () => {
  const clock = new FakeClock(T0);
  const { c, peers } = client(clock, suite(clock));
  await c.start();
  upstreamTurn(peers[0].dc, 'resp_1', { done: false });
  peers[0].dc.receive({ type: 'input_audio_buffer.speech_started' });
  assert.equal(c.phase, Phase.CANCELLING);
  assert.throws(() => client(clock, suite(clock), { options: { falseInterruption: { minSpeechMs: -5 } } }), RangeError);
  await c.end();
});

test('a getStats that never answers does not hold the interrupt: after 1 s it is reported unmeasured, at 0', async () => {
  const clock = new FakeClock(T0);
  const fetch = suite(clock);
  const { c, peers } = client(clock, fetch);
  await c.start();
  const { dc, pc } = peers[0];
  upstreamTurn(dc, 'resp_1', { done: false });
  await settle();
  pc.getStats = () => new Promise(() => {});
  const heard = new Promise((resolve) => c.on('interrupt', resolve));
  c.interrupt();
  // upstream answers while the measure is pending: held back, then reported in order after it
  dc.receive({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled' } });
  await clock.advance(1000);
  const detail = await heard;
  assert.deepEqual([detail.audioEndMs, detail.playedSource], [0, 'unmeasured']);
  await c.events.flush();
  const types = reported(fetch).map((e) => e.type);
  assert.ok(types.indexOf('client.playback_stopped') < types.lastIndexOf('response.done'), types.join(','));
  await c.end();
});
