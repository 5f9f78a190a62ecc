// A voice app using the client library as served by the console (/client/index.js), and the
// upstream it talks to: a second RTCPeerConnection in the same page that speaks the realtime event
// protocol on the `oai-events` data channel and sends an audio track. Everything else (tokens,
// sessions, telemetry, alerts) is the real running suite, reached through the console's proxy.
import { RealtimeVoiceClient } from '/client/index.js';

let seq = 0;
const eid = () => `event_${Date.now().toString(36)}_${++seq}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitIceGathered(pc) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState === 'complete') {
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      }
    };
    pc.addEventListener('icegatheringstatechange', check);
    setTimeout(resolve, 3000);
  });
}

function iceUfrag(sdp) {
  return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null;
}

/** The upstream side: OpenAI's WebRTC endpoint, played by a local peer. */
class FakeUpstream {
  constructor() {
    this.received = []; // client events, in order
    this.connections = []; // { pc, dc, secret, ufrags: [] }
    this.secretsUsed = [];
    this.active = null; // the response being generated
    this.lateEvents = true;
    /** When set, the audio an assistant item holds: a truncate past it is refused ("already shorter"). */
    this.itemAudioMs = null;
    /** When set, each relayed call ends like upstream's at its cap: `session_expired`, then closed. */
    this.sessionMaxMs = null;
    this.audio = new AudioContext();
    const osc = this.audio.createOscillator();
    osc.frequency.value = 440;
    this.dest = this.audio.createMediaStreamDestination();
    osc.connect(this.dest);
    osc.start();
  }

  /** The call the app listens to (a hand-over prepares the next one meanwhile), else the newest. */
  get current() {
    const callId = window.app?.client?.callId;
    return (callId && this.connections.find((c) => c.callId === callId)) || this.connections.at(-1);
  }

  /** Upstream's maximum session duration reached: the error OpenAI sends, then the call is closed. */
  expire(conn) {
    // a call the app already let go (its channel closed) has nothing left to expire
    if (conn.expired || conn.dc?.readyState !== 'open') return;
    conn.expired = true;
    this.send({ type: 'error', error: { type: 'invalid_request_error', code: 'session_expired', param: null,
      event_id: null, message: `Your session hit the maximum duration of ${this.sessionMaxMs / 1000} seconds.` } }, conn);
    setTimeout(() => conn.pc.close(), 100);
  }

  /** The SDP exchange a real app does with POST /v1/realtime/calls and its client secret. */
  async answer(offer, secret) {
    const valid = await window.validateSecret(secret);
    if (!valid) throw new Error('upstream refused the client secret');
    this.secretsUsed.push(secret);
    const pc = new RTCPeerConnection();
    pc.addTrack(this.dest.stream.getAudioTracks()[0], this.dest.stream);
    const conn = { pc, dc: null, secret, ufrags: [iceUfrag(offer.sdp)], open: null };
    conn.open = new Promise((resolve) => {
      pc.addEventListener('datachannel', (e) => {
        conn.dc = e.channel;
        conn.dc.addEventListener('message', (m) => this.#onClientEvent(conn, JSON.parse(m.data)));
        conn.dc.addEventListener('open', () => {
          this.send({ type: 'session.created', session: { id: `sess_${Date.now()}`, object: 'realtime.session' } }, conn);
          resolve();
        });
        if (conn.dc.readyState === 'open') resolve();
      });
    });
    this.connections.push(conn);
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await waitIceGathered(pc);
    return pc.localDescription;
  }

  /**
   * The answer to an offer upstream-sim relayed from POST /v1/realtime/calls (it checked the client
   * secret and created the call `callId`): this page is its media peer.
   */
  async answerRelayed(sdp, callId) {
    const pc = new RTCPeerConnection();
    pc.addTrack(this.dest.stream.getAudioTracks()[0], this.dest.stream);
    const conn = { pc, dc: null, secret: null, callId, ufrags: [iceUfrag(sdp)], open: null, createdAt: Date.now() };
    if (this.sessionMaxMs) setTimeout(() => this.expire(conn), this.sessionMaxMs);
    pc.addEventListener('datachannel', (e) => {
      conn.dc = e.channel;
      conn.dc.addEventListener('message', (m) => this.#onClientEvent(conn, JSON.parse(m.data)));
      conn.dc.addEventListener('open', () => this.send({ type: 'session.created',
        session: { id: `sess_${Date.now()}`, object: 'realtime.session' } }, conn));
    });
    this.connections.push(conn);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await waitIceGathered(pc);
    return pc.localDescription.sdp;
  }

  /** A renegotiation of the current connection (ICE restart). */
  async renegotiate(offer) {
    const conn = this.current;
    conn.ufrags.push(iceUfrag(offer.sdp));
    await conn.pc.setRemoteDescription(offer);
    await conn.pc.setLocalDescription(await conn.pc.createAnswer());
    await waitIceGathered(conn.pc);
    return conn.pc.localDescription;
  }

  send(event, conn = this.current) {
    // a call that ended (its cap) says nothing more, as upstream's
    if (conn.expired && conn.dc?.readyState !== 'open') return;
    conn.dc.send(JSON.stringify({ event_id: eid(), ...event }));
  }

  #onClientEvent(conn, event) {
    this.received.push(event);
    (conn.received ??= []).push(event);
    switch (event.type) {
      case 'response.cancel': {
        const rid = this.active;
        if (!rid || (event.response_id && event.response_id !== rid)) {
          this.send({ type: 'error', error: { type: 'invalid_request_error', code: 'response_cancel_not_active',
            message: 'Cancellation failed: no active response found' } }, conn);
          return;
        }
        this.active = null;
        if (this.lateEvents) {
          // what was already in flight when the cancel arrived
          this.send({ type: 'response.output_audio_transcript.done', response_id: rid, item_id: `item_${rid}`,
            output_index: 0, content_index: 0, transcript: 'late words of a cancelled answer' }, conn);
        }
        this.send({ type: 'response.done', response: { id: rid, object: 'realtime.response', status: 'cancelled' } }, conn);
        if (this.lateEvents) {
          this.send({ type: 'output_audio_buffer.started', response_id: rid }, conn);
          this.send({ type: 'response.output_audio.done', response_id: rid, item_id: `item_${rid}` }, conn);
        }
        return;
      }
      case 'output_audio_buffer.clear':
        this.send({ type: 'output_audio_buffer.cleared' }, conn);
        return;
      case 'conversation.item.truncate':
        if (this.itemAudioMs !== null && event.audio_end_ms > this.itemAudioMs) {
          this.send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_value', param: null,
            event_id: event.event_id ?? null,
            message: `Audio content of ${this.itemAudioMs}ms is already shorter than ${event.audio_end_ms}ms` } }, conn);
          return;
        }
        this.send({ type: 'conversation.item.truncated', item_id: event.item_id, content_index: event.content_index,
          audio_end_ms: event.audio_end_ms }, conn);
        return;
      case 'conversation.item.create':
        this.send({ type: 'conversation.item.created', item: { id: `item_${eid()}`, ...event.item } }, conn);
        return;
      default:
    }
  }

  /** Nothing reaches the app for `ms` (a network stall): the sender's track is removed, then put back. */
  async stall(ms) {
    const sender = this.current.pc.getSenders().find((x) => x.track?.kind === 'audio');
    const track = sender.track;
    await sender.replaceTrack(null);
    await sleep(ms);
    await sender.replaceTrack(track);
  }

  /** The user speaks and stops; the transcript of what they said. */
  async userUtterance(text, itemId = `item_u_${eid()}`) {
    this.send({ type: 'input_audio_buffer.speech_started', item_id: itemId, audio_start_ms: 0 });
    await sleep(150);
    this.send({ type: 'input_audio_buffer.speech_stopped', item_id: itemId, audio_end_ms: 900 });
    this.send({ type: 'input_audio_buffer.committed', item_id: itemId });
    this.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript: text });
  }

  /** A response starts and its audio plays (it stays active until finishResponse). */
  async startResponse(rid, { thinkMs = 200 } = {}) {
    this.active = rid;
    this.send({ type: 'response.created', response: { id: rid, object: 'realtime.response', status: 'in_progress' } });
    this.send({ type: 'response.output_item.added', response_id: rid, output_index: 0,
      item: { id: `item_${rid}`, type: 'message', role: 'assistant' } });
    await sleep(thinkMs);
    this.send({ type: 'output_audio_buffer.started', response_id: rid });
  }

  finishResponse(rid, transcript) {
    if (this.active !== rid) return;
    this.active = null;
    this.send({ type: 'response.output_audio_transcript.done', response_id: rid, item_id: `item_${rid}`, output_index: 0,
      content_index: 0, transcript });
    this.send({ type: 'response.output_audio.done', response_id: rid, item_id: `item_${rid}`, output_index: 0, content_index: 0 });
    this.send({ type: 'response.done', response: { id: rid, object: 'realtime.response', status: 'completed' } });
    this.send({ type: 'output_audio_buffer.stopped', response_id: rid });
  }

  /** One whole turn. */
  async turn(rid, { userText = 'hello', answer = 'hi there', audioMs = 600 } = {}) {
    await this.userUtterance(userText);
    await this.startResponse(rid);
    await sleep(audioMs);
    this.finishResponse(rid, answer);
  }
}

/** The app: its media, its peer, and the library wrapping them. */
class VoiceApp {
  constructor(config) {
    this.config = config;
    this.upstream = new FakeUpstream();
    this.log = []; // what the app saw from the library
    this.appEvents = []; // upstream events the library passed on
    this.audioEl = document.getElementById('remote');
    this.mic = null;
  }

  /**
   * `callsUrl`: the library's own on-ramp (offer posted there, call id from Location, its default
   * playback); otherwise the app negotiates with the in-page upstream itself.
   */
  async start({ ttlSeconds = 60, falseInterruption = undefined, callsUrl = null, heartbeatMs = undefined } = {}) {
    this.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    const api = this.config.api;
    const appNegotiates = {
      connect: (req) => this.#connect(req),
      playback: {
        element: this.audioEl,
        stop: () => {
          this.audioEl.muted = true;
          this.log.push({ kind: 'playback_stopped', at: performance.now() });
        },
      },
    };
    const libraryNegotiates = { realtime: { callsUrl, audioElement: this.audioEl, microphone: this.mic } };
    this.client = new RealtimeVoiceClient({
      ...(callsUrl ? libraryNegotiates : appNegotiates),
      tokenServiceUrl: api.token,
      sessionServiceUrl: api.session,
      metricsServiceUrl: api.metrics,
      getUserToken: () => this.config.userToken,
      deviceId: this.config.deviceId,
      platform: 'web-chromium',
      ttlSeconds,
      falseInterruption,
      heartbeatMs,
      watchNetwork: false,
      restartIce: (pc) => this.#restartIce(pc),
    });
    for (const kind of ['phase', 'interrupt', 'interrupt_reported', 'stale', 'rotated', 'reissued', 'recovered',
      'recovery_plan', 'recovery_failed', 'connected', 'ice_restarted', 'summary_replayed', 'latency', 'error',
      'warning', 'cancel_unacknowledged', 'rotation_retry', 'truncated', 'truncate_already_shorter',
      'truncate_unconfirmed', 'truncate_refused', 'interrupt_pending', 'false_interruption', 'interruption_committed', 'call',
      'rollover', 'ended', 'channel_closed']) {
      this.client.on(kind, (detail) => {
        this.log.push({ kind, at: performance.now(), detail: detail instanceof Error ? { message: detail.message, code: detail.code } : detail });
        if (kind === 'phase') {
          document.getElementById('phase').textContent = detail.to;
          if (detail.to === 'SPEAKING') this.audioEl.muted = false;
        }
      });
    }
    this.client.recovery.on('ice_restart_failed', (e) => this.log.push({ kind: 'ice_restart_failed', at: performance.now(),
      detail: { reason: e.reason, error: String(e.error?.stack ?? e.error) } }));
    this.client.on('event', (e) => this.appEvents.push({ type: e.type, response_id: e.response_id ?? e.response?.id ?? null,
      code: e.error?.code ?? null }));
    return this.client.start();
  }

  async #connect({ clientSecret }) {
    const pc = new RTCPeerConnection();
    for (const track of this.mic.getAudioTracks()) pc.addTrack(track, this.mic);
    pc.addEventListener('track', (e) => {
      this.audioEl.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      this.audioEl.play().catch(() => {});
    });
    const dc = pc.createDataChannel('oai-events');
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceGathered(pc);
    const answer = await this.upstream.answer(pc.localDescription, clientSecret);
    await pc.setRemoteDescription(answer);
    return { pc, dc };
  }

  async #restartIce(pc) {
    await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
    await waitIceGathered(pc);
    await pc.setRemoteDescription(await this.upstream.renegotiate(pc.localDescription));
  }

  async inboundAudioBytes() {
    const report = await this.client.pc.getStats();
    let bytes = 0;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') bytes += s.bytesReceived ?? 0;
    });
    return bytes;
  }

  state() {
    return {
      phase: this.client.phase,
      sessionId: this.client.sessionId,
      rotationToken: this.client.tokens.rotationToken,
      turn: this.client.mirror.turn,
      ice: this.client.pc?.iceConnectionState ?? null,
      stats: this.client.stats,
      events: this.client.events.stats,
      telemetry: this.client.telemetry.stats,
      connections: this.upstream.connections.length,
      ufrags: this.upstream.current?.ufrags ?? [],
      muted: this.audioEl.muted,
      volume: this.audioEl.volume,
    };
  }
}

window.VoiceApp = VoiceApp;
// the demo page's test loads this module next to the demo to play its upstream
window.FakeUpstream = FakeUpstream;
window.harnessReady = true;
