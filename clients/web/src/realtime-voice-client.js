// The facade an app uses: it wraps the app's RTCPeerConnection and its `oai-events` data channel
// (the app keeps control of media and of how the peer is negotiated), mirrors the session's state
// machine, handles barge-in locally (stop playback at once, cancel, clear, truncate at what was
// played), drops the events of a cancelled response, reports event summaries and per-turn latency,
// rotates the client secret, recovers from ICE failures and network changes by session-service's
// plan, hands the conversation over to a new upstream call before upstream's maximum session
// duration ends the old one, proves it is alive with heartbeats, and tells the app when the service
// ended the session.
import { systemClock } from './clock.js';
import { Emitter } from './emitter.js';
import { requestJson } from './http.js';
import { TokenManager } from './token-manager.js';
import { Phase, SessionStateMirror } from './state-mirror.js';
import { EventReporter } from './event-reporter.js';
import { TelemetryReporter } from './telemetry-reporter.js';
import { LatencyTracker } from './latency.js';
import { RecoveryController, localPlan } from './recovery-controller.js';
import { RolloverController, RolloverFailure } from './rollover.js';
import { Heartbeat } from './heartbeat.js';
import { endReasonOf, endReasonOfSnapshot } from './session-end.js';
import { PlaybackMeter, playbackSources } from './playback-meter.js';
import { TruncationWatch } from './truncation.js';
import { InterruptionGuard } from './interruption-guard.js';
import { CALL_CREATION, WebRtcConnector } from './webrtc-connect.js';

const CONNECTED_ICE = new Set(['connected', 'completed']);
/** Bound of the events held back while one measurement (a getStats) is pending. */
const MAX_DEFERRED_REPORTS = 200;
/** How long a barge-in waits for the played position before truncating at 0 (reported as 'unmeasured'). */
const MEASURE_TIMEOUT_MS = 1000;
const AUDIO_DELTAS = new Set(['response.output_audio.delta', 'response.audio.delta']);
/** Upstream events of a prepared call held until it takes over (beyond: dropped, with a warning). */
const MAX_STAGED_EVENTS = 100;
/** How long the switch waits for the new call's audio to play on the element before taking the activation time. */
const AUDIO_READY_TIMEOUT_MS = 1000;
/** The replayed summary: the most recent part of it, whatever the service sent. */
const MAX_REPLAY_CHARS = 8000;
/** What was said on the old call after the plan's summary was taken, replayed at the switch. */
const MAX_SINCE_LINES = 20;
const USER_TRANSCRIPTS = new Set(['conversation.item.input_audio_transcription.completed']);
const ASSISTANT_TRANSCRIPTS = new Set(['response.output_audio_transcript.done', 'response.audio_transcript.done']);

function randomId(prefix) {
  const c = globalThis.crypto;
  const raw = c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  return `${prefix}_${raw.replace(/-/g, '')}`;
}

/**
 * Renders session-service's summary lines ({role, text}) as the text replayed to a new session.
 * @param {{ text?: string, lines?: Array<{ role: string, text: string }> } | null} summary
 */
export function summaryText(summary) {
  if (!summary) return '';
  if (typeof summary.text === 'string' && summary.text) return summary.text;
  const lines = Array.isArray(summary.lines) ? summary.lines : [];
  return lines.filter((l) => l && typeof l.text === 'string').map((l) => `${l.role}: ${l.text}`).join('\n');
}

/** The most recent `max` characters of a replay, cut at a line start when there is one. */
export function boundedReplay(text, max = MAX_REPLAY_CHARS) {
  if (text.length <= max) return text;
  const tail = text.slice(text.length - max);
  const nl = tail.indexOf('\n');
  return nl >= 0 && nl < tail.length - 1 ? tail.slice(nl + 1) : tail;
}

/** The replay as an item of the new conversation: a system message, so the app's instructions stay its own. */
function replayItem(text) {
  return { type: 'conversation.item.create', item: { type: 'message', role: 'system', content: [{ type: 'input_text', text }] } };
}

/** Stops a new call's uplink until it takes over (the user's speech must not start answers on it). */
function holdUplink(pc) {
  const held = [];
  for (const sender of pc.getSenders?.() ?? []) {
    if (sender.track?.kind === 'audio' && typeof sender.replaceTrack === 'function') {
      held.push([sender, sender.track]);
      sender.replaceTrack(null).catch(() => {});
    }
  }
  return () => Promise.all(held.map(([sender, track]) => sender.replaceTrack(track)));
}

export class RealtimeVoiceClient extends Emitter {
  /**
   * @param {import('./index.d.ts').RealtimeVoiceClientOptions} options
   */
  constructor(options) {
    super();
    this.clock = options.clock ?? systemClock;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    /**
     * 'server': every call is created by token-service (the offer posted with the user's token), so
     * the browser never fetches or holds a client secret; 'direct': posted upstream with the secret.
     */
    this.callCreation = options.callCreation ?? CALL_CREATION.DIRECT;
    this.serverCalls = this.callCreation === CALL_CREATION.SERVER;
    if (this.serverCalls && options.connect) {
      throw new TypeError("callCreation 'server' is the library's own on-ramp: give no connect");
    }
    this.connectorOptions = { ...options.realtime, callCreation: this.callCreation,
      tokenServiceUrl: options.tokenServiceUrl, getUserToken: options.getUserToken, deviceId: options.deviceId,
      fetch: this.fetch, clock: this.clock };
    /** Without the app's own connect: the library's WebRTC on-ramp (offer, POST /v1/realtime/calls, call id). */
    this.connector = options.connect ? null : new WebRtcConnector(this.connectorOptions);
    this.options = this.connector ? {
      ...options,
      connect: (request) => this.connector.connect(request),
      playback: options.playback ?? this.connector.defaultPlayback(),
    } : options;
    this.platform = options.platform ?? 'web';
    this.ackTimeoutMs = options.ackTimeoutMs ?? 3000;
    this.iceRestartTimeoutMs = options.iceRestartTimeoutMs ?? 10_000;
    this.openTimeoutMs = options.openTimeoutMs ?? 15_000;
    /** With a policy, speech over the assistant is judged before anything is cancelled (false interruptions). */
    this.guard = new InterruptionGuard({
      policy: options.falseInterruption,
      clock: this.clock,
      playback: () => this.options.playback,
      onCommit: (detail) => {
        this.emit('interruption_committed', detail);
        this.#bargeIn('speech_started');
      },
      onResume: (detail) => {
        this.stats.falseInterruptions++;
        this.mirror.resumeSpeaking();
        this.emit('false_interruption', detail);
      },
      warn: (message) => this.emit('warning', { message }),
    });
    this.tokens = options.tokens ?? new TokenManager({
      tokenServiceUrl: options.tokenServiceUrl,
      getUserToken: options.getUserToken,
      deviceId: options.deviceId,
      voice: options.voice,
      model: options.model,
      ttlSeconds: options.ttlSeconds,
      serverCalls: this.serverCalls,
      fetch: this.fetch,
      clock: this.clock,
    });
    // events belong to the session of the peer that saw them: after a reissue, the old peer's last
    // events still go to the old session, until the call has moved to the new one
    this.bound = null;
    const credentials = () => this.bound ?? (this.tokens.sessionId
      ? { sessionId: this.tokens.sessionId, rotationToken: this.tokens.rotationToken } : null);
    this.credentials = credentials;
    this.mirror = new SessionStateMirror();
    this.events = new EventReporter({
      sessionServiceUrl: options.sessionServiceUrl,
      credentials,
      platform: this.platform,
      fetch: this.fetch,
      clock: this.clock,
    });
    this.telemetry = new TelemetryReporter({
      metricsServiceUrl: options.metricsServiceUrl,
      credentials,
      fetch: this.fetch,
      clock: this.clock,
    });
    this.latency = new LatencyTracker({
      now: options.now ?? (() => this.clock.now()),
      platform: this.platform,
      emit: (sample) => {
        this.telemetry.record(sample);
        this.emit('latency', sample);
      },
    });
    this.recovery = new RecoveryController({
      sessionServiceUrl: options.sessionServiceUrl,
      tokens: this.tokens,
      fetch: this.fetch,
      clock: this.clock,
      hooks: {
        restartIce: () => this.#restartIce(),
        rebuildPeer: (o) => this.#rebuild(o),
        replaySummary: (summary) => this.#replay(summary),
      },
    });
    this.rollover = new RolloverController({
      clock: this.clock,
      switchTimeoutMs: options.rolloverSwitchTimeoutMs,
      hooks: {
        plan: (reason) => this.#rolloverPlan(reason),
        freshSecret: () => this.#freshSecret(),
        prepare: () => this.#prepareCall(),
        replay: (staged, summary) => this.#replayOn(staged, summary),
        quiet: () => this.mirror.phase === Phase.LISTENING && this.mirror.responseId === null && !this.userSpeaking,
        switchTo: (staged, o) => this.#switchTo(staged, o),
        failed: (failure) => {
          if (!this.ended) this.events.client('rollover_failed', { reason: failure.reason });
        },
        fallback: ({ failure, summary }) => this.#afterFailedRollover(failure, summary),
        callId: () => this.callId,
      },
    });
    this.rollover.on('rollover', (detail) => {
      if (detail.phase === 'completed') this.stats.rollovers++;
      this.emit('rollover', detail);
    });
    this.heartbeat = new Heartbeat({ intervalMs: options.heartbeatMs, clock: this.clock,
      beat: () => this.events.client('heartbeat') });
    this.events.on('added', () => this.heartbeat.sent());
    this.events.on('accepted', (answer) => {
      if (answer.sessionId !== this.sessionId) return;
      if (answer.advice) this.#advised(answer.advice);
      if (answer.phase === 'ENDED') this.#checkEnded();
    });
    this.events.on('rejected', ({ error }) => {
      const reason = endReasonOf(error);
      if (reason) this.#endedByService(reason);
    });
    this.meter = new PlaybackMeter({
      sources: () => playbackSources({ playback: options.playback, pc: this.pc }),
      appPlayedMs: () => options.playback?.playedMs?.(),
      now: () => this.clock.now(),
    });
    /** upstream events seen while a barge-in's playback is measured: reported after its playback_stopped */
    this.deferredReports = null;
    /** @type {Set<TruncationWatch>} truncates waiting for upstream's answer */
    this.truncations = new Set();
    this.pc = null;
    this.dc = null;
    this.callId = null;
    this.pendingReason = null;
    this.ackTimer = null;
    this.detach = null;
    this.ended = false;
    /** The user speaks (speech_started seen, not yet stopped): never a turn boundary. */
    this.userSpeaking = false;
    /** Lines said on the old call while a hand-over is prepared (replayed on the new call at the switch). */
    this.saidSince = null;
    this.endCheck = null;
    this.adviceCheck = null;
    this.stats = { interrupts: 0, staleDropped: 0, iceRestarts: 0, reconnects: 0, falseInterruptions: 0, rollovers: 0 };
    this.#wire();
  }

  get phase() {
    return this.mirror.phase;
  }

  get sessionId() {
    return this.tokens.sessionId;
  }

  get responseId() {
    return this.mirror.responseId;
  }

  /**
   * Creates the session at token-service, then lets the app connect its peer with the client secret;
   * with server-side call creation, the session comes with the first call.
   */
  async start() {
    this.ended = false;
    this.rollover.aborted = false;
    if (!this.tokens.sessionId && !this.serverCalls) await this.tokens.start();
    await this.#connect({ reason: null, previous: null, newUpstreamSession: true });
    this.heartbeat.start();
    return { sessionId: this.tokens.sessionId };
  }

  /**
   * Wraps a peer and its `oai-events` data channel the app created itself (start() does it through
   * options.connect).
   */
  attach(pc, dc, { callId = null } = {}) {
    const signal = this.#listen(pc, dc, callId);
    this.bound = null;
    dc.addEventListener('open', () => this.#opened(), { signal });
    if (dc.readyState === 'open') this.#opened();
  }

  /** Makes pc/dc the current call: its events drive the mirror; the previous call is no longer heard. */
  #listen(pc, dc, callId) {
    this.detach?.();
    const abort = new AbortController();
    const { signal } = abort;
    this.detach = () => abort.abort();
    this.pc = pc;
    this.dc = dc;
    this.callId = callId;
    this.userSpeaking = false;
    dc.addEventListener('message', (e) => this.#onMessage(e.data), { signal });
    dc.addEventListener('close', () => this.#channelClosed(), { signal });
    pc.addEventListener('iceconnectionstatechange', () => this.#iceChanged(pc.iceConnectionState), { signal });
    this.#captureLatency(pc);
    this.#watchNetwork(signal);
    return signal;
  }

  /** Sends one client event on the data channel; false when the channel is not open. */
  send(event) {
    if (!this.dc || this.dc.readyState !== 'open') {
      this.emit('warning', { message: `data channel not open: ${event?.type} not sent` });
      return false;
    }
    this.dc.send(JSON.stringify(event));
    return true;
  }

  /**
   * The app's barge-in (push-to-talk, a stop button): the same as the user speaking over the
   * assistant. Returns what was interrupted, or null when nothing was.
   */
  interrupt() {
    return this.#bargeIn('app');
  }

  /** Recovers by session-service's plan (`ice_failed`, `network_switch`, ...). */
  recover(reason, given = null) {
    if (this.ended) return Promise.resolve(null);
    this.mirror.recovering(reason);
    return this.recovery.recover(reason, given).catch((error) => {
      const ended = endReasonOf(error);
      if (ended) this.#endedByService(ended);
      else this.emit('error', error);
      return null;
    });
  }

  /** Ends the call: reports it, flushes what is buffered, closes the peer, forgets the secret. */
  async end(reason = 'client_ended') {
    if (this.ended) return;
    await this.#teardown(reason, true);
  }

  async #teardown(reason, report) {
    this.ended = true;
    this.heartbeat.stop();
    this.rollover.abort();
    this.#clearAckTimer();
    this.guard.drop();
    for (const watch of this.truncations) watch.cancel();
    this.truncations.clear();
    this.#reportDeferred();
    if (report) this.events.client('ended', { reason });
    this.mirror.end(reason);
    this.detach?.();
    try {
      this.dc?.close();
      this.pc?.close();
    } catch {
      // already closed
    }
    await Promise.allSettled([this.events.close(), this.telemetry.close()]);
    this.tokens.stop();
  }

  /** The service ended the session (`budget_exceeded`, `abandoned`, ...): the app is told why, once. */
  #endedByService(reason) {
    if (this.ended) return;
    this.emit('ended', { reason, sessionId: this.sessionId });
    this.#teardown(reason, false).catch((e) => this.emit('error', e));
  }

  /** Asks session-service whether the session still runs (after an ENDED answer or a closed call). */
  #checkEnded() {
    if (this.ended || this.endCheck) return this.endCheck ?? Promise.resolve(null);
    const bound = this.credentials();
    if (!bound) return Promise.resolve(null);
    this.endCheck = requestJson(this.fetch, 'GET',
      `${this.options.sessionServiceUrl}/v1/sessions/${encodeURIComponent(bound.sessionId)}`, undefined,
      { authorization: `Bearer ${bound.rotationToken}` }).then((snapshot) => {
      const reason = endReasonOfSnapshot(snapshot);
      if (reason && bound.sessionId === this.sessionId) this.#endedByService(reason);
      else if (snapshot?.advice?.action === 'rollover') this.#advised(snapshot.advice);
      return snapshot;
    }, (error) => {
      const reason = endReasonOf(error);
      if (reason) this.#endedByService(reason);
      return null;
    }).finally(() => {
      this.endCheck = null;
    });
    return this.endCheck;
  }

  /**
   * A rollover advice is acted on once session-service's snapshot confirms it is about the current
   * call: right after a switch, answers still advise about the old call until the service has applied
   * `client.reconnected` (acting on them would hand over a call that just started).
   */
  #advised(advice) {
    if (this.ended || advice?.action !== 'rollover' || this.recovery.running || this.rollover.running || !this.pc
      || this.adviceCheck) return;
    const bound = this.credentials();
    if (!bound) return;
    const callId = this.callId;
    this.adviceCheck = requestJson(this.fetch, 'GET',
      `${this.options.sessionServiceUrl}/v1/sessions/${encodeURIComponent(bound.sessionId)}`, undefined,
      { authorization: `Bearer ${bound.rotationToken}` }).then((snapshot) => {
      const ended = endReasonOfSnapshot(snapshot);
      if (ended) {
        this.#endedByService(ended);
        return;
      }
      const stale = typeof snapshot?.call_id === 'string' && callId !== null && snapshot.call_id !== callId;
      const current = snapshot?.advice;
      if (stale || callId !== this.callId || current?.action !== 'rollover' || this.ended || this.rollover.running) return;
      if (current.reason === 'session_expired') this.#callExpired();
      else this.rollover.advised(current);
    }, () => {
      // unconfirmed: the advice comes again with the next answer
    }).finally(() => {
      this.adviceCheck = null;
    });
  }

  /** The current call is gone (upstream's cap): nothing plays any more, the hand-over switches at once. */
  #callExpired(at = this.clock.now()) {
    if (this.ended) return;
    if (!this.rollover.running) {
      this.#clearAckTimer();
      this.guard.drop();
      this.mirror.recovering('session_expired');
    }
    this.rollover.expired(at);
  }

  #channelClosed() {
    if (this.ended) return;
    if (this.rollover.running) {
      // the old call ended under a hand-over in progress: switch as soon as the new one is ready
      this.#callExpired();
      return;
    }
    this.emit('channel_closed', { sessionId: this.sessionId });
    // a call closed by the service (budget, liveness) is followed by the session's end
    this.#checkEnded();
  }

  // ---- wiring ----

  #wire() {
    this.mirror.on('phase', (p) => this.#phaseChanged(p));
    this.mirror.on('stale', (s) => {
      this.stats.staleDropped++;
      this.emit('stale', s);
    });
    let previous = null;
    this.tokens.on('reconnect_advice', () => {
      // the session the reissue replaces: its summary is replayed, then it is ended
      previous = this.tokens.credentials
        ? { sessionId: this.tokens.credentials.sessionId, rotationToken: this.tokens.credentials.rotationToken } : null;
    });
    this.tokens.on('reissued', (e) => {
      const old = previous;
      previous = null;
      this.emit('reissued', e);
      // a reissue by the recovery controller rebuilds the peer itself; a failed rotation does not (a
      // hand-over in progress gives up on it, then the call moves to the new session the same way)
      if (!this.recovery.running && this.pc) {
        this.#gracefulReconnect(old).catch((error) => this.emit('error', error));
      }
    });
    this.tokens.on('rotated', (e) => {
      if (this.bound?.sessionId === this.tokens.sessionId) this.bound.rotationToken = this.tokens.rotationToken;
      this.emit('rotated', e);
    });
    this.tokens.on('issued', (e) => this.emit('issued', e));
    this.tokens.on('rotation_retry', (e) => this.emit('rotation_retry', e));
    this.tokens.on('error', (e) => this.emit('error', e));
    this.recovery.on('plan', (e) => this.emit('recovery_plan', e));
    this.recovery.on('recovered', (e) => {
      this.stats.reconnects++;
      this.emit('recovered', e);
    });
    this.recovery.on('failed', (e) => this.emit('recovery_failed', e));
  }

  /** While a hand-over is prepared: what is said on the old call, bounded, for the new one. */
  #noteSaid(event) {
    if (!this.saidSince || typeof event?.transcript !== 'string' || !event.transcript) return;
    const role = USER_TRANSCRIPTS.has(event.type) ? 'user' : ASSISTANT_TRANSCRIPTS.has(event.type) ? 'assistant' : null;
    if (!role) return;
    this.saidSince.push(`${role}: ${event.transcript.slice(0, 1000)}`);
    if (this.saidSince.length > MAX_SINCE_LINES) this.saidSince.shift();
  }

  #phaseChanged({ from, to, cause, turn }) {
    if (to === Phase.THINKING && from === Phase.LISTENING) this.latency.userStoppedSpeaking(turn);
    if (to === Phase.SPEAKING && from !== Phase.PENDING_INTERRUPT) {
      this.#playbackHook('resume');
      this.meter.started(this.mirror.responseId);
      this.latency.firstAudioHeard();
    }
    // the answer ended (or the call moved) while the speech was being judged: nothing left to interrupt
    if (from === Phase.PENDING_INTERRUPT && to !== Phase.SPEAKING && to !== Phase.CANCELLING) this.guard.drop();
    if (to === Phase.CANCELLING) this.latency.turnAbandoned();
    if (to === Phase.LISTENING && cause === 'response.done' && (from === Phase.SPEAKING || from === Phase.THINKING)) {
      this.latency.turnFinished();
      this.#sampleTransport();
    }
    if (to !== Phase.CANCELLING) this.#clearAckTimer();
    this.emit('phase', { from, to, cause, turn });
    if (this.rollover.running) this.rollover.changed();
  }

  #onMessage(data) {
    let event;
    try {
      event = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
    } catch {
      this.emit('warning', { message: 'a data channel message was not JSON' });
      return;
    }
    const at = this.clock.now();
    if (event?.type === 'error' && event.error?.code === 'session_expired') {
      // upstream's cap: reported to session-service, handled here, never passed to the app as an error
      this.events.upstream(event, at);
      this.#callExpired(at);
      return;
    }
    if (event?.type === 'input_audio_buffer.speech_started') this.userSpeaking = true;
    else if (event?.type === 'input_audio_buffer.speech_stopped' || event?.type === 'input_audio_buffer.committed') {
      this.userSpeaking = false;
    }
    for (const watch of this.truncations) watch.observe(event);
    if (AUDIO_DELTAS.has(event?.type)) this.meter.delivered(event.response_id, event.delta);
    this.guard.observe(event);
    const result = this.mirror.apply(event);
    // reported even when stale: session-service counts the late events of cancelled responses
    if (this.deferredReports) {
      this.deferredReports.push([event, at]);
      // a flood while measuring: report in order now rather than hold without bound
      if (this.deferredReports.length >= MAX_DEFERRED_REPORTS) this.#reportDeferred();
    } else {
      this.events.upstream(event, at);
    }
    if (result.action === 'stale') return;
    this.#noteSaid(event);
    if (this.rollover.running) this.rollover.changed();
    if (result.action === 'barge_in') {
      if (this.guard.judges && this.mirror.pendInterrupt()) {
        this.emit('interrupt_pending', this.guard.begin(event, this.mirror.responseId));
      } else {
        this.#bargeIn('speech_started');
      }
    }
    this.emit('event', event);
  }

  #opened() {
    this.mirror.connected();
    const reason = this.pendingReason;
    this.pendingReason = null;
    if (reason) {
      this.events.client('reconnected', { reason, callId: this.callId ?? undefined });
    } else {
      this.events.client('connected', { callId: this.callId ?? undefined });
    }
    this.emit('connected', { sessionId: this.sessionId, callId: this.callId, reconnected: Boolean(reason), reason });
  }

  #playbackHook(name) {
    try {
      this.options.playback?.[name]?.();
    } catch (e) {
      this.emit('warning', { message: `playback.${name} failed: ${e?.message ?? e}` });
    }
  }

  #bargeIn(cause) {
    const occurredAtMs = this.clock.now();
    const phase = this.mirror.phase;
    if (phase !== Phase.SPEAKING && phase !== Phase.THINKING && phase !== Phase.PENDING_INTERRUPT) return null;
    // the app interrupts while the speech is being judged: the app wins (restored after the stop below)
    if (this.guard.pending) queueMicrotask(() => this.guard.drop());
    // the played position is read before playback stops (stats answer asynchronously, from now)
    const measured = this.#measureWithin(this.meter.measure(this.mirror.responseId));
    const snapshot = this.mirror.interrupt();
    if (!snapshot) return null;
    try {
      this.options.playback?.stop?.();
    } catch (e) {
      this.emit('warning', { message: `playback.stop failed: ${e?.message ?? e}` });
    }
    this.stats.interrupts++;
    const interruptId = randomId('int');
    const cancel = { type: 'response.cancel' };
    if (snapshot.responseId) cancel.response_id = snapshot.responseId;
    this.send(cancel);
    this.send({ type: 'output_audio_buffer.clear' });
    // what upstream says from now on is reported after playback_stopped, which needs the measure
    this.deferredReports = this.deferredReports ?? [];
    const detail = { interruptId, cause, from: snapshot.from, responseId: snapshot.responseId, itemId: snapshot.itemId,
      occurredAtMs };
    this.#clearAckTimer();
    this.ackTimer = this.clock.setTimeout(() => {
      this.ackTimer = null;
      if (this.mirror.phase !== Phase.CANCELLING) return;
      this.events.client('cancel_failed', { responseId: snapshot.responseId ?? undefined });
      this.mirror.giveUpCancel();
      this.emit('cancel_unacknowledged', detail);
    }, this.ackTimeoutMs);
    measured.catch(() => ({ playedMs: 0, deliveredMs: null, audioEndMs: 0, source: 'unmeasured' })).then((m) => {
      const full = { ...detail, audioEndMs: m.audioEndMs, playedMs: m.playedMs, deliveredMs: m.deliveredMs,
        playedSource: m.source };
      if (this.ended) return undefined;
      this.events.client('playback_stopped', { playedMs: m.audioEndMs, responseId: snapshot.responseId ?? undefined });
      // what followed (the cancelled response's end) reaches session-service after the interrupt
      const barrier = this.events.barrier();
      this.#reportDeferred();
      if (snapshot.itemId && !this.ended) this.#truncate(full);
      this.emit('interrupt', full);
      return this.#reportInterrupt(full, barrier.flushed).finally(barrier.release);
    }).catch((e) => this.emit('error', e));
    return detail;
  }

  #reportDeferred() {
    const deferred = this.deferredReports ?? [];
    this.deferredReports = null;
    for (const [event, at] of deferred) this.events.upstream(event, at);
  }

  /** A measure that does not answer in time (a stuck getStats) is not waited for: nothing measured. */
  #measureWithin(promise) {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(new Error('playback not measured in time')), MEASURE_TIMEOUT_MS);
      promise.then((value) => {
        this.clock.clearTimeout(timer);
        resolve(value);
      }, (error) => {
        this.clock.clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Truncates the item at what was heard and waits for upstream's answer (reported as its own event). */
  #truncate(detail) {
    const eventId = randomId('evt_trunc');
    const sent = this.send({ type: 'conversation.item.truncate', event_id: eventId, item_id: detail.itemId,
      content_index: 0, audio_end_ms: detail.audioEndMs });
    if (!sent) return;
    const watch = new TruncationWatch({
      clock: this.clock,
      timeoutMs: this.ackTimeoutMs,
      eventId,
      detail: { interruptId: detail.interruptId, itemId: detail.itemId, audioEndMs: detail.audioEndMs,
        playedMs: detail.playedMs, deliveredMs: detail.deliveredMs, source: detail.playedSource },
      onResult: (result) => {
        this.truncations.delete(watch);
        const name = { truncated: 'truncated', already_shorter: 'truncate_already_shorter', refused: 'truncate_refused',
          unconfirmed: 'truncate_unconfirmed' }[result.kind];
        this.emit(name, result);
      },
    });
    this.truncations.add(watch);
  }

  async #reportInterrupt(detail, flushed) {
    const bound = this.credentials();
    if (!bound) return;
    const { sessionId, rotationToken: token } = bound;
    // session-service must have seen the events that led here before it judges the interrupt
    await flushed.catch(() => {});
    const body = { interrupt_id: detail.interruptId, audio_end_ms: detail.audioEndMs,
      occurred_at_ms: Math.round(detail.occurredAtMs) };
    if (detail.responseId) body.response_id = detail.responseId;
    if (detail.itemId) body.item_id = detail.itemId;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const answer = await requestJson(this.fetch, 'POST',
          `${this.options.sessionServiceUrl}/v1/sessions/${encodeURIComponent(sessionId)}/interrupt`, body,
          { authorization: `Bearer ${token}` });
        this.emit('interrupt_reported', { interruptId: detail.interruptId, status: answer?.status ?? null,
          phase: answer?.phase ?? null });
        return;
      } catch (e) {
        if (!e?.retryable) {
          this.emit('interrupt_reported', { interruptId: detail.interruptId, status: 'refused', code: e?.code ?? null });
          const ended = endReasonOf(e);
          if (ended) this.#endedByService(ended);
          return;
        }
        await new Promise((r) => this.clock.setTimeout(r, 200 * (attempt + 1)));
      }
    }
    this.emit('interrupt_reported', { interruptId: detail.interruptId, status: 'unreported' });
  }

  #clearAckTimer() {
    if (this.ackTimer !== null) this.clock.clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }

  #iceChanged(state) {
    this.events.client('ice_state', { iceState: state });
    this.emit('ice_state', { state });
    if (state === 'failed' && !this.recovery.running && !this.rollover.running && !this.ended) this.recover('ice_failed');
  }

  #watchNetwork(signal) {
    if (this.options.watchNetwork === false) return;
    const onChange = (network) => {
      if (this.ended) return;
      this.events.client('network_changed', { network });
      this.emit('network_changed', { network });
      if (!this.recovery.running && !this.rollover.running) this.recover('network_switch');
    };
    const connection = globalThis.navigator?.connection;
    connection?.addEventListener?.('change', () => onChange(connection.effectiveType ?? connection.type ?? 'unknown'),
      { signal });
    if (typeof globalThis.window?.addEventListener === 'function') {
      globalThis.window.addEventListener('online', () => onChange('online'), { signal });
    }
  }

  #captureLatency(pc) {
    try {
      for (const sender of pc.getSenders?.() ?? []) {
        const settings = sender.track?.kind === 'audio' ? sender.track.getSettings?.() : null;
        if (settings && typeof settings.latency === 'number') this.latency.setCaptureLatency(settings.latency);
      }
    } catch {
      // capture latency is optional
    }
  }

  #sampleTransport() {
    const pc = this.pc;
    if (!pc?.getStats) return;
    pc.getStats().then((report) => {
      this.latency.fromStats(report, { outputLatencySeconds: this.options.playback?.outputLatencySeconds?.() });
    }).catch(() => {});
  }

  async #connect({ reason, previous, newUpstreamSession }) {
    const connected = this.serverCalls ? await this.#serverCall({ reason, previous, newUpstreamSession })
      : await this.#directCall({ reason, previous, newUpstreamSession });
    const credentials = this.tokens.credentials;
    this.pendingReason = reason;
    const callId = connected.callId ?? null;
    // session-service attaches its sideband to the call named in client.connected: without it, no server-side cancel
    if (callId) this.emit('call', { callId, sessionId: credentials.sessionId });
    else this.emit('warning', { message: 'no call id for this connection: session-service cannot attach its sideband' });
    this.attach(connected.pc, connected.dc, { callId });
    this.bound = { sessionId: credentials.sessionId, rotationToken: credentials.rotationToken };
    if (connected.dc.readyState !== 'open') await this.#waitOpen(connected.dc);
  }

  #directCall({ reason, previous, newUpstreamSession }) {
    const credentials = this.tokens.credentials;
    if (!credentials) throw new Error('no session: start() first');
    return this.options.connect({ clientSecret: credentials.clientSecret, sessionId: credentials.sessionId, previous,
      reason, newUpstreamSession });
  }

  /**
   * A call created by token-service: of the current session (its rotation token), or, with none, of a
   * new session that comes with the call. A session token-service no longer takes (`reissue_token`)
   * is replaced by a new one, as a failed rotation is in direct mode.
   */
  async #serverCall({ reason, previous, newUpstreamSession }) {
    const held = this.tokens.credentials;
    const request = (credentials) => ({ sessionId: credentials?.sessionId ?? null,
      rotationToken: credentials?.rotationToken ?? null, previous, reason, newUpstreamSession });
    let connected;
    try {
      connected = await this.options.connect(request(held));
    } catch (error) {
      if (!held || error?.details?.reissue_token !== true) throw error;
      await this.tokens.start();
      connected = await this.options.connect(request(null));
      this.emit('reissued', { previousSessionId: held.sessionId, sessionId: connected.session?.sessionId ?? null });
    }
    try {
      this.tokens.adopt(connected.session);
    } catch (error) {
      try {
        connected.pc.close();
      } catch {
        // already closed
      }
      throw error;
    }
    return connected;
  }

  #waitOpen(dc) {
    return new Promise((resolve, reject) => {
      if (dc.readyState === 'open') return resolve();
      const timer = this.clock.setTimeout(() => reject(new Error('the data channel did not open in time')),
        this.openTimeoutMs);
      dc.addEventListener('open', () => {
        this.clock.clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  async #restartIce() {
    const pc = this.pc;
    if (!pc) return false;
    this.stats.iceRestarts++;
    if (this.options.restartIce) {
      await this.options.restartIce(pc);
    } else {
      pc.restartIce();
    }
    await Promise.resolve();
    // a restart on a path that still works may never leave 'connected': renegotiated is reconnected;
    // otherwise wait (checked and subscribed in the same tick, so no transition is missed)
    const ok = CONNECTED_ICE.has(pc.iceConnectionState) || await this.#iceReconnects(pc);
    if (ok) {
      // same peer, same upstream session: the data channel never closed
      this.mirror.connected();
      this.events.client('reconnected', { reason: 'ice_restart', callId: this.callId ?? undefined });
      this.emit('ice_restarted', { sessionId: this.sessionId });
    }
    return ok;
  }

  #iceReconnects(pc) {
    return new Promise((resolve) => {
      const done = (value) => {
        this.clock.clearTimeout(timer);
        pc.removeEventListener('iceconnectionstatechange', onState);
        resolve(value);
      };
      const onState = () => {
        if (CONNECTED_ICE.has(pc.iceConnectionState)) done(true);
        else if (pc.iceConnectionState === 'closed') done(false);
      };
      const timer = this.clock.setTimeout(() => done(false), this.iceRestartTimeoutMs);
      pc.addEventListener('iceconnectionstatechange', onState);
    });
  }

  async #rebuild({ reason, newUpstreamSession }) {
    const previous = this.pc ? { pc: this.pc, dc: this.dc } : null;
    this.detach?.();
    this.mirror.recovering(reason);
    await this.#connect({ reason, previous, newUpstreamSession });
    if (previous && previous.pc !== this.pc) {
      try {
        previous.dc?.close();
        previous.pc.close();
      } catch {
        // already closed
      }
    }
  }

  #replay(summary) {
    const text = boundedReplay(summaryText(summary));
    if (!text) return;
    this.send({
      type: 'conversation.item.create',
      item: {
        type: 'message',
        role: 'system',
        content: [{ type: 'input_text', text: `The conversation so far (the call reconnected):\n${text}` }],
      },
    });
    this.emit('summary_replayed', { chars: text.length });
  }

  /** A failed rotation gave a new session: move the call onto it at a quiet moment, summary replayed. */
  async #gracefulReconnect(old) {
    await this.#quietMoment();
    if (this.ended) return;
    let summary = null;
    if (old) {
      try {
        const snapshot = await requestJson(this.fetch, 'GET',
          `${this.options.sessionServiceUrl}/v1/sessions/${encodeURIComponent(old.sessionId)}`, undefined,
          { authorization: `Bearer ${old.rotationToken}` });
        summary = snapshot?.summary ?? null;
      } catch (e) {
        this.emit('warning', { message: `summary of the previous session unavailable (${e?.code ?? e})` });
      }
      this.events.clientFor(old, 'ended', { reason: 'session_reissued' });
    }
    await this.#rebuild({ reason: 'rotation_failed', newUpstreamSession: true });
    await this.#replay(summary);
    this.stats.reconnects++;
    this.emit('recovered', { reason: 'rotation_failed', how: 'rebuilt_with_new_session', replayed: Boolean(summaryText(summary)) });
  }

  // ---- the hand-over to a new upstream call (RolloverController decides, these do) ----

  async #rolloverPlan(reason) {
    this.saidSince = [];
    try {
      return await this.recovery.plan(reason);
    } catch (error) {
      const ended = endReasonOf(error);
      if (ended) this.#endedByService(ended);
      throw new RolloverFailure(ended ? 'session_ended' : 'plan_unavailable', error);
    }
  }

  /** The plan asks for a fresh client secret: token-service's rotate, same session (server calls: none held). */
  async #freshSecret() {
    if (this.serverCalls) return;
    const sessionId = this.tokens.sessionId;
    try {
      await this.tokens.rotate();
    } catch (error) {
      throw new RolloverFailure('fresh_secret_failed', error);
    }
    // the rotation failed over to a new session: that is the reissue path, not a hand-over
    if (this.tokens.sessionId !== sessionId) throw new RolloverFailure('secret_reissued');
    if (!this.tokens.credentials) throw new RolloverFailure('fresh_secret_failed');
  }

  /**
   * A new peer and call on the current secret while the old call plays: its uplink held, its audio
   * not yet on the app's element, its events kept until it takes over.
   */
  async #prepareCall() {
    const credentials = this.tokens.credentials;
    const previous = this.pc ? { pc: this.pc, dc: this.dc } : null;
    // server calls: the next call of this session, created by token-service with the session's rotation token
    const request = this.serverCalls
      ? { sessionId: credentials.sessionId, rotationToken: credentials.rotationToken, previous, reason: 'rollover',
        newUpstreamSession: true }
      : { clientSecret: credentials.clientSecret, sessionId: credentials.sessionId, previous, reason: 'rollover',
        newUpstreamSession: true };
    let connected;
    let activateAudio = null;
    let element = null;
    if (this.connector) {
      // the library's own on-ramp: the new call's audio goes to a muted element until the switch
      const main = this.connector.audioElement;
      const scratch = globalThis.document?.createElement ? globalThis.document.createElement('audio')
        : { srcObject: null, play: () => Promise.resolve() };
      scratch.muted = true;
      const staging = new WebRtcConnector({ ...this.connectorOptions, audioElement: scratch,
        microphone: this.connector.stream ?? this.options.realtime?.microphone });
      connected = await staging.connect(request);
      if (this.serverCalls && connected.session?.sessionId !== credentials.sessionId) {
        try {
          connected.pc.close();
        } catch {
          // already closed
        }
        throw new RolloverFailure('connect_failed', new Error('token-service put the next call in another session'));
      }
      element = main;
      activateAudio = () => {
        if (!main) return;
        main.srcObject = scratch.srcObject;
        scratch.srcObject = null;
        main.play?.()?.catch?.(() => {});
      };
    } else {
      connected = await this.options.connect(request);
      // an app whose connect routes the audio itself can defer it with `activate`
      if (typeof connected.activate === 'function') {
        activateAudio = () => connected.activate();
        element = this.options.playback?.element ?? null;
      }
    }
    const { pc, dc } = connected;
    const releaseUplink = holdUplink(pc);
    const held = [];
    const abort = new AbortController();
    dc.addEventListener('message', (e) => {
      if (held.length < MAX_STAGED_EVENTS) held.push(e.data);
      else if (held.length === MAX_STAGED_EVENTS) {
        held.push(null);
        this.emit('warning', { message: 'the prepared call sent too many events before the switch: the rest dropped' });
      }
    }, { signal: abort.signal });
    const close = () => {
      abort.abort();
      try {
        dc.close();
        pc.close();
      } catch {
        // already closed
      }
    };
    try {
      await this.#waitOpen(dc);
    } catch (error) {
      close();
      throw new RolloverFailure('channel_not_open', error);
    }
    return { pc, dc, callId: connected.callId ?? null, held, element, activateAudio, releaseUplink, close,
      stopHolding: () => abort.abort() };
  }

  /** The plan's summary, replayed on the new call before it takes over (bounded; no response asked). */
  #replayOn(staged, summary) {
    const text = boundedReplay(summaryText(summary));
    if (!text) return false;
    staged.dc.send(JSON.stringify(replayItem(`The conversation so far (continued on a new call):\n${text}`)));
    this.emit('summary_replayed', { chars: text.length, callId: staged.callId });
    return true;
  }

  /**
   * The switch: the old call let go, the new one heard (audio on the element, microphone on its
   * sender), what it said meanwhile applied, the old call closed. The gap runs from the moment the
   * old call stopped carrying audio (now, or when it died) to the new call's audio playing.
   */
  async #switchTo(staged, { urgent, diedAt }) {
    const previous = { pc: this.pc, dc: this.dc, callId: this.callId };
    const oldEndAt = urgent && diedAt !== null ? diedAt : this.clock.now();
    staged.stopHolding();
    const playing = staged.activateAudio && staged.element ? this.#playing(staged.element) : null;
    this.#listen(staged.pc, staged.dc, staged.callId);
    staged.activateAudio?.();
    staged.releaseUplink().catch((e) => this.emit('warning', { message: `microphone not moved to the new call: ${e?.message ?? e}` }));
    const credentials = this.tokens.credentials;
    this.bound = { sessionId: credentials.sessionId, rotationToken: credentials.rotationToken };
    const said = this.saidSince ?? [];
    this.saidSince = null;
    if (said.length) this.send(replayItem(`Said since on the previous call:\n${said.join('\n')}`));
    if (this.mirror.phase === Phase.RECOVERING) this.mirror.connected();
    // the new call's events reach session-service after client.reconnected names the call
    const deferring = this.deferredReports === null;
    if (deferring) this.deferredReports = [];
    for (const data of staged.held) if (data !== null) this.#onMessage(data);
    try {
      previous.dc?.close();
      previous.pc?.close();
    } catch {
      // already closed
    }
    const readyAt = playing ? await playing : this.clock.now();
    const gapMs = Math.max(0, Math.round(readyAt - oldEndAt));
    if (staged.callId) this.emit('call', { callId: staged.callId, sessionId: credentials.sessionId });
    this.events.client('reconnected', { reason: 'rollover', callId: staged.callId ?? undefined, gapMs });
    if (deferring) this.#reportDeferred();
    this.emit('connected', { sessionId: this.sessionId, callId: staged.callId, reconnected: true, reason: 'rollover' });
    return { gapMs };
  }

  /** When the element next plays (its new source started), at most AUDIO_READY_TIMEOUT_MS from now. */
  #playing(element) {
    return new Promise((resolve) => {
      if (typeof element.addEventListener !== 'function') {
        resolve(this.clock.now());
        return;
      }
      const done = () => {
        this.clock.clearTimeout(timer);
        element.removeEventListener('playing', done);
        resolve(this.clock.now());
      };
      const timer = this.clock.setTimeout(done, AUDIO_READY_TIMEOUT_MS);
      element.addEventListener('playing', done);
    });
  }

  /** A hand-over failed after the old call was gone: the session recovery (new session, summary replayed). */
  #afterFailedRollover(failure, summary) {
    if (this.ended || failure.reason === 'secret_reissued' || failure.reason === 'session_ended') return;
    this.recover('rollover_failed', { plan: localPlan('rollover_failed'), summary });
  }

  /** Resolves when no response is being generated or played (never cut the assistant off to reconnect). */
  #quietMoment() {
    const quiet = () => this.mirror.phase === Phase.LISTENING || this.mirror.phase === Phase.IDLE
      || this.mirror.phase === Phase.RECOVERING || this.mirror.phase === Phase.ENDED;
    if (quiet()) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.mirror.on('phase', () => {
        if (quiet()) {
          off();
          resolve();
        }
      });
    });
  }
}
