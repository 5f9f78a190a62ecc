// Types of @rtvoice/web's public API.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export declare const systemClock: Clock;

export declare class FakeClock implements Clock {
  constructor(startMs?: number);
  now(): number;
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(handle: unknown): void;
  /** Moves time forward, running the timers that fall due. */
  advance(ms: number): Promise<void>;
  pending(): number;
}

export declare class Emitter {
  /** Returns a function that removes the listener. */
  on(type: string, fn: (detail: any) => void): () => void;
  emit(type: string, detail?: unknown): void;
}

export declare class ApiError extends Error {
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>, retryAfterMs?: number | null);
  /** 0 when the network failed. */
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly retryAfterMs: number | null;
  readonly retryable: boolean;
}

/** With `timeoutMs`, a request unanswered by then is aborted: ApiError status 0, code `timeout` (retryable). */
export declare function requestJson(fetchImpl: typeof fetch, method: string, url: string, body?: unknown,
  headers?: Record<string, string>, options?: { timeoutMs?: number; clock?: Clock }): Promise<any>;

export declare function backoffDelay(attempt: number, options?: { baseMs?: number; maxMs?: number; random?: () => number }): number;
export declare function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean>;

export declare const Phase: Readonly<{
  IDLE: 'IDLE'; LISTENING: 'LISTENING'; THINKING: 'THINKING'; SPEAKING: 'SPEAKING';
  PENDING_INTERRUPT: 'PENDING_INTERRUPT'; CANCELLING: 'CANCELLING'; RECOVERING: 'RECOVERING'; ENDED: 'ENDED';
}>;
export type Phase = (typeof Phase)[keyof typeof Phase];

export interface PhaseChange { from: Phase; to: Phase; cause: string; turn: number }

export declare function responseIdOf(event: unknown): string | null;

export declare class SessionStateMirror extends Emitter {
  constructor(options?: { remember?: number });
  phase: Phase;
  responseId: string | null;
  itemId: string | null;
  turn: number;
  staleDropped: number;
  connected(): void;
  apply(event: unknown): { action: 'applied' | 'ignored' | 'stale' | 'barge_in'; from?: Phase; to?: Phase };
  interrupt(): { responseId: string | null; itemId: string | null; from: Phase } | null;
  /** SPEAKING -> PENDING_INTERRUPT; false from any other phase. */
  pendInterrupt(): boolean;
  /** PENDING_INTERRUPT -> SPEAKING (a false interruption); false from any other phase. */
  resumeSpeaking(cause?: string): boolean;
  giveUpCancel(cause?: string): void;
  recovering(cause: string): void;
  end(cause?: string): void;
}

export interface SessionCredentials {
  sessionId: string;
  /** The upstream client secret: kept in memory only, never reported. null with server-side call creation. */
  clientSecret: string | null;
  /** When the secret expires; server-side call creation: when the rotation token does (null when not said). */
  expiresAtMs: number | null;
  /** null with server-side call creation (nothing to rotate). */
  rotateAtMs: number | null;
  /** Server calls: when the rotation token is refreshed next (epoch ms). */
  refreshAtMs?: number | null;
  rotationToken: string;
  ttlSeconds: number | null;
}

/** The session a server-created call belongs to (token-service's answer to POST /v1/realtime/calls). */
export interface CallSession {
  sessionId: string;
  rotationToken: string;
  /** Epoch seconds (only when the call began the session). */
  rotationTokenExpiresAt?: number | null;
  /** The call began a new session. */
  newSession?: boolean;
}

export interface TokenManagerOptions {
  tokenServiceUrl: string;
  getUserToken: () => string | Promise<string>;
  deviceId: string;
  voice?: string;
  model?: string;
  ttlSeconds?: number;
  fetch?: typeof fetch;
  clock?: Clock;
  expiryMarginMs?: number;
  /**
   * Server-side call creation: no client secret is ever fetched; the session comes with its first call
   * (`adopt`), `start()` only forgets the current session, and the session's rotation token is
   * refreshed (POST /v1/sessions/{id}/refresh, no secret) before it expires; `rotate()` refreshes now.
   */
  serverCalls?: boolean;
  /**
   * Server calls: a rotation token that came with a call is refreshed halfway through its life and at
   * least this long before it expires (default 90 000 ms); later ones at token-service's `refresh_at`.
   */
  refreshLeadMs?: number;
}

export declare class TokenManager extends Emitter {
  constructor(options: TokenManagerOptions);
  credentials: SessionCredentials | null;
  readonly sessionId: string | null;
  readonly clientSecret: string | null;
  readonly rotationToken: string | null;
  /** A new session (POST /v1/sessions); with `serverCalls`, null: the next call begins the session. */
  start(): Promise<SessionCredentials | null>;
  /** Takes the session of a server-created call ('issued' when it is a new one). */
  adopt(session: CallSession): SessionCredentials;
  /** Rotates the secret now; with `serverCalls`, refreshes the rotation token now. */
  rotate(): Promise<SessionCredentials | null>;
  stop(): void;
}

export declare function adviceFor(error: ApiError): 'retry' | 'reissue' | 'give_up';
export declare function toMillis(epoch: number): number;

export interface BatchSenderStats { sent: number; droppedOverflow: number; droppedRejected: number; retries: number }

export declare class BatchSender<T = unknown> extends Emitter {
  /** `send` gets each batch with its idempotency key, the same on every retry of that batch. */
  constructor(options: { send: (items: T[], batch: { key: string; attempt: number }) => Promise<unknown>;
    maxBatch?: number; maxBuffer?: number; flushIntervalMs?: number; clock?: Clock; random?: () => number;
    newKey?: () => string });
  /** Items waiting, the batch in flight included. */
  readonly size: number;
  add(item: T): void;
  /** Holds back items added from now on until release(). */
  hold(): void;
  release(): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly stats: BatchSenderStats;
}

/** What is reported of one event: never audio, never a secret. */
export interface EventSummary {
  type: string;
  seq?: number;
  event_id?: string;
  occurred_at_ms: number;
  response_id?: string;
  item_id?: string;
  status?: 'completed' | 'cancelled' | 'failed' | 'incomplete';
  error_code?: string;
  call_id?: string;
  ice_state?: string;
  network?: string;
  reason?: string;
  transcript?: string;
  played_ms?: number;
  conversation_id?: string;
  /** client.reconnected of a hand-over: the audio gap measured, 0..60000. */
  gap_ms?: number;
}

export type ClientEventKind = 'connected' | 'reconnected' | 'playback_stopped' | 'ice_state' | 'network_changed'
  | 'cancel_failed' | 'ended' | 'heartbeat' | 'rollover_failed';

export interface ClientEventFields {
  callId?: string; reason?: string; playedMs?: number; iceState?: string; network?: string; responseId?: string;
  gapMs?: number;
}

export declare const UPSTREAM_TYPES: ReadonlySet<string>;
export declare function summarizeUpstream(event: unknown, occurredAtMs: number): EventSummary | null;
export declare function summarizeClient(kind: ClientEventKind, occurredAtMs: number, fields?: ClientEventFields): EventSummary | null;
export declare function reasonOf(text: unknown): string;

export interface ReporterCredentials { sessionId: string; rotationToken: string }

export declare class EventReporter extends Emitter {
  constructor(options: { sessionServiceUrl: string; credentials: () => ReporterCredentials | null; platform?: string;
    fetch?: typeof fetch; clock?: Clock; maxBuffer?: number; flushIntervalMs?: number });
  upstream(event: unknown, occurredAtMs?: number): EventSummary | null;
  client(kind: ClientEventKind, fields?: ClientEventFields, occurredAtMs?: number): EventSummary | null;
  clientFor(credentials: ReporterCredentials, kind: ClientEventKind, fields?: ClientEventFields, occurredAtMs?: number): EventSummary | null;
  flush(): Promise<void>;
  /** Sends what is buffered and holds back what follows until release(). */
  barrier(): { flushed: Promise<void>; release: () => void };
  close(): Promise<void>;
  readonly stats: BatchSenderStats;
}

export interface LatencySample {
  stage: 'capture' | 'uplink' | 'downlink' | 'playback' | 'first_audio' | 'full_turn';
  value_ms: number;
  turn: number;
  occurred_at: string;
  platform: string;
}

export declare function readTransportStats(report: Iterable<any> | Map<string, any>):
  { rttMs: number | null; jitterBufferMs: number | null; playoutMs: number | null };

export declare class LatencyTracker {
  constructor(options: { now: () => number; platform: string; emit: (sample: LatencySample) => void });
  setCaptureLatency(seconds: number): void;
  userStoppedSpeaking(turn: number): void;
  firstAudioHeard(): void;
  turnFinished(): void;
  turnAbandoned(): void;
  fromStats(report: Iterable<any> | Map<string, any>, options?: { outputLatencySeconds?: number }): void;
}

export declare class TelemetryReporter extends Emitter {
  /** Each POST carries a `batch_id` reused on its retries; a POST unanswered after `requestTimeoutMs` (10 s) is retried. */
  constructor(options: { metricsServiceUrl: string; credentials: () => ReporterCredentials | null; fetch?: typeof fetch;
    clock?: Clock; flushIntervalMs?: number; requestTimeoutMs?: number; newBatchKey?: () => string });
  record(sample: LatencySample): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly stats: BatchSenderStats & { rejectedSamples: number };
}

/** session-service's recovery plan (POST /v1/sessions/{id}/recover). */
export interface RecoveryPlan {
  class: 'transport' | 'session' | 'rollover';
  reason: string;
  rebuild_peer: boolean;
  keep_token: boolean;
  reissue_token: boolean;
  new_upstream_session: boolean;
  replay_summary: boolean;
  ice_restart: boolean;
  rotate_first: boolean;
  secret_expires_in_ms?: number | null;
  /** rollover: a new client secret (token-service rotate) for the new call. */
  fresh_secret?: boolean;
  /** rollover: 'turn_boundary'. */
  switch_at?: string;
}

export interface RecoverySummary { text?: string; lines?: Array<{ role: string; text: string; turn?: number }>; chars?: number }

export interface RecoveryHooks {
  restartIce(): Promise<boolean>;
  rebuildPeer(options: { reason: string; newUpstreamSession: boolean }): Promise<void>;
  replaySummary(summary: RecoverySummary): Promise<void> | void;
}

export interface RecoveryResult {
  reason: string;
  plan: RecoveryPlan;
  how: 'ice_restarted' | 'rebuilt' | 'rebuilt_with_new_session';
  replayed: boolean;
}

export declare function localPlan(reason: string): RecoveryPlan;

export declare class RecoveryController extends Emitter {
  constructor(options: { sessionServiceUrl: string; tokens: TokenManager; hooks: RecoveryHooks; fetch?: typeof fetch; clock?: Clock });
  readonly running: Promise<RecoveryResult> | null;
  readonly stats: { recoveries: number; iceRestarts: number; rebuilds: number; reissues: number; failures: number };
  /** With `given`, that plan and summary are carried out without asking session-service. */
  recover(reason: string, given?: { plan: RecoveryPlan; summary?: RecoverySummary | null } | null): Promise<RecoveryResult>;
  plan(reason: string): Promise<{ plan: RecoveryPlan; summary: RecoverySummary | null; source: 'session-service' | 'local' }>;
}

/** What the app's connect function gets: the secret to negotiate with upstream, and the peer it replaces. */
export interface ConnectRequest {
  /** Direct call creation: the client secret to post the offer with. */
  clientSecret: string;
  sessionId: string;
  previous: { pc: RTCPeerConnection; dc: RTCDataChannel } | null;
  /** null on the first connect; the recovery reason otherwise. */
  reason: string | null;
  newUpstreamSession: boolean;
}

/**
 * The call id (from the `Location` of POST /v1/realtime/calls) lets session-service attach its
 * sideband; without it the library warns, and there is no server-side cancel channel.
 */
export interface ConnectResult {
  pc: RTCPeerConnection;
  dc: RTCDataChannel;
  callId?: string | null;
  /**
   * For a hand-over (`reason: 'rollover'`): puts this call's audio on the app's player. Given, the
   * library calls it at the switch and the old call plays until then; absent, the app's connect
   * already routed the audio.
   */
  activate?: () => void;
}

/** How the library's on-ramp creates a call: upstream with a client secret, or token-service with the user's token. */
export declare const CALL_CREATION: Readonly<{ DIRECT: 'direct'; SERVER: 'server' }>;
export type CallCreation = (typeof CALL_CREATION)[keyof typeof CALL_CREATION];

/** What the on-ramp's `connect` takes: direct mode the client secret, server mode the session's rotation token. */
export interface OnRampRequest {
  clientSecret?: string;
  /** Server mode: the session's rotation token, so the call belongs to it; absent: the call begins a new session. */
  rotationToken?: string | null;
}

export interface OnRampResult {
  pc: RTCPeerConnection;
  dc: RTCDataChannel;
  callId: string | null;
  /** Server mode: the suite's session the call belongs to. */
  session?: CallSession;
}

export interface RealtimeConnectOptions {
  /** Direct mode only. Default `https://api.openai.com/v1/realtime/calls` (upstream-sim: `{SIM_URL}/v1/realtime/calls`). */
  callsUrl?: string;
  /** Plays the remote audio (default: a new autoplaying <audio>); also measures what was played. */
  audioElement?: HTMLMediaElement;
  /** Default: getUserMedia({ audio: true }), asked once and kept across reconnects. */
  microphone?: MediaStream | (() => Promise<MediaStream>);
  rtcConfiguration?: RTCConfiguration;
  createPeerConnection?: (configuration?: RTCConfiguration) => RTCPeerConnection;
  /** How long the offer waits for ICE gathering (default 1000 ms). */
  iceGatheringTimeoutMs?: number;
}

export declare const OPENAI_CALLS_URL: string;
export declare function callIdFromLocation(location: string | null | undefined): string | null;

export declare class WebRtcConnector {
  /** Server mode (`callCreation: 'server'`) needs tokenServiceUrl, getUserToken and deviceId. */
  constructor(options: RealtimeConnectOptions & { fetch: typeof fetch; clock: Clock; callCreation?: CallCreation;
    tokenServiceUrl?: string; getUserToken?: () => string | Promise<string>; deviceId?: string });
  readonly callCreation: CallCreation;
  /** Direct: upstream's; server: `{tokenServiceUrl}/v1/realtime/calls`. */
  readonly callsUrl: string;
  readonly audioElement: HTMLMediaElement | null;
  defaultPlayback(): PlaybackControl;
  /** Refusals reject with an ApiError carrying the status and the error body's code (`network_error`: status 0). */
  connect(request?: OnRampRequest): Promise<OnRampResult>;
}

export interface PlaybackControl {
  /** Stops local playback at once (barge-in). */
  stop(): void;
  /** The element playing the remote audio: its currentTime is one measure of what was heard. */
  element?: HTMLMediaElement | { currentTime: number };
  /** Lowers the volume while an interruption is judged (default: the element's volume). */
  duck?(volume: number): void;
  /** Full volume again (after duck). */
  unduck?(): void;
  /** Called when an answer starts speaking (after a barge-in stopped playback). */
  resume?(): void;
  /** The app's own measure of how much of the current response was played (replaces the library's). */
  playedMs?(): number;
  /** The audio output latency, in seconds (AudioContext.outputLatency). */
  outputLatencySeconds?(): number | undefined;
}

/**
 * When the user's speech over the assistant is a real interruption: at least `minSpeechMs` of speech
 * and at least `minWords` transcribed words (0: not checked). Meanwhile playback is ducked to
 * `duckVolume` (0.3) and the model keeps generating; a transcript awaited `transcriptWaitMs` (1500)
 * after the speech. Both 0 (or no policy): every speech_started cancels at once.
 */
export interface InterruptionPolicy {
  minSpeechMs?: number;
  minWords?: number;
  transcriptWaitMs?: number;
  duckVolume?: number;
}

/** 'interrupt_pending', then 'false_interruption' (resumed) or 'interruption_committed' (cancelled). */
export interface InterruptionJudgement {
  reason: 'short_speech' | 'too_few_words' | 'policy_met';
  itemId: string | null;
  responseId: string | null;
  words: number;
  speechMs: number;
  stillSpeaking: boolean;
}

export declare function countWords(text: string | null | undefined): number;
export declare function normalizePolicy(policy: InterruptionPolicy | null | undefined):
  Required<InterruptionPolicy> | null;

export declare class PendingInterruption {
  constructor(options: { policy: Required<InterruptionPolicy>; clock: Clock; itemId: string | null;
    onCommit: (detail: Omit<InterruptionJudgement, 'responseId'>) => void;
    onResume: (detail: Omit<InterruptionJudgement, 'responseId'>) => void });
  concerns(itemId: unknown): boolean;
  stopped(): void;
  transcriptPart(text: string, options: { final: boolean }): void;
  cancel(): void;
}

export interface RealtimeVoiceClientOptions {
  /** Judge speech over the assistant before cancelling (false interruptions); absent: cancel at once. */
  falseInterruption?: InterruptionPolicy;
  tokenServiceUrl: string;
  sessionServiceUrl: string;
  metricsServiceUrl: string;
  getUserToken: () => string | Promise<string>;
  deviceId: string;
  /**
   * How the library's on-ramp creates calls. 'direct' (default): a client secret from token-service,
   * the offer posted upstream with it. 'server': the offer posted to token-service's
   * POST /v1/realtime/calls with the user's token; the browser never fetches or holds a client
   * secret, the session comes with the first call, a hand-over's call is created with the session's
   * rotation token. Not with `connect`.
   */
  callCreation?: CallCreation;
  /**
   * Creates and negotiates the app's peer with the client secret; returns it with its `oai-events`
   * channel and the call id. Absent: the library does it (see `realtime`).
   */
  connect?: (request: ConnectRequest) => Promise<ConnectResult>;
  /** The library's own WebRTC on-ramp, used when `connect` is absent. */
  realtime?: RealtimeConnectOptions;
  playback?: PlaybackControl;
  /** Restarts ICE and renegotiates (default: pc.restartIce(), negotiation left to the app's onnegotiationneeded). */
  restartIce?: (pc: RTCPeerConnection) => Promise<void> | void;
  platform?: string;
  voice?: string;
  model?: string;
  ttlSeconds?: number;
  fetch?: typeof fetch;
  clock?: Clock;
  now?: () => number;
  ackTimeoutMs?: number;
  iceRestartTimeoutMs?: number;
  openTimeoutMs?: number;
  /** Recover on `online` and Network Information changes (default true). */
  watchNetwork?: boolean;
  tokens?: TokenManager;
  /** `client.heartbeat` after this long with nothing else sent (default 10000, 100..40000). */
  heartbeatMs?: number;
  /** How long a prepared hand-over waits for a turn boundary before it fails (default 45000). */
  rolloverSwitchTimeoutMs?: number;
}

/** The 'rollover' event: a hand-over to a new upstream call planned, completed or failed. */
export interface RolloverEvent {
  phase: 'planned' | 'completed' | 'failed';
  /** planned: 'call_age' or 'session_expired'; failed: what failed ('connect_failed', 'no_turn_boundary', ...). */
  reason: string;
  /** The new call (completed). */
  callId: string | null;
  previousCallId: string | null;
  /** The audio gap of the switch (completed). */
  gapMs: number | null;
  /** completed: the old call was gone already (session_expired), so it switched at once. */
  unplanned?: boolean;
  replayed?: boolean;
}

/** The 'ended' event: session-service ended the session (`budget_exceeded`, `abandoned`, ...). */
export interface SessionEnded { reason: string; sessionId: string | null }

export declare class RolloverFailure extends Error {
  constructor(reason: string, cause?: unknown);
  readonly reason: string;
}

export declare class RolloverController extends Emitter {
  constructor(options: { hooks: Record<string, (...args: any[]) => any>; clock?: Clock; switchTimeoutMs?: number });
  readonly running: Promise<RolloverEvent | null> | null;
  readonly stats: { planned: number; completed: number; failed: number; fallbacks: number };
  advised(advice: { action: string; reason?: string } | null): boolean;
  expired(at?: number): boolean;
  changed(): void;
  abort(): void;
}

export declare class Heartbeat {
  constructor(options: { beat: () => void; intervalMs?: number; clock?: Clock });
  readonly intervalMs: number;
  readonly beats: number;
  readonly running: boolean;
  sent(): void;
  start(): void;
  stop(): void;
}

export declare function heartbeatInterval(value: unknown): number;
export declare function endReasonOf(error: unknown): string | null;
export declare function boundedReplay(text: string, max?: number): string;

/** What interrupt() returns at once. */
export interface InterruptStarted {
  interruptId: string;
  cause: 'speech_started' | 'app';
  from: Phase;
  responseId: string | null;
  itemId: string | null;
  occurredAtMs: number;
}

/** The 'interrupt' event, once what was played is measured: the truncate carries audioEndMs. */
export interface InterruptDetail extends InterruptStarted {
  /** min(playedMs, deliveredMs) */
  audioEndMs: number;
  playedMs: number;
  /** Audio upstream sent for the item as deltas; null over WebRTC (the audio is on the track). */
  deliveredMs: number | null;
  /** 'webrtc_stats', 'audio_element+webrtc_stats', 'app', 'not_started', or 'wall_clock' when nothing measures playback. */
  playedSource: string;
}

/** Upstream's answer to a barge-in's truncate ('truncated', 'truncate_already_shorter', 'truncate_refused', 'truncate_unconfirmed'). */
export interface TruncationResult {
  kind: 'truncated' | 'already_shorter' | 'refused' | 'unconfirmed';
  interruptId: string;
  itemId: string;
  audioEndMs: number;
  playedMs: number;
  deliveredMs: number | null;
  source: string;
  /** output_audio_buffer.cleared was seen. */
  cleared: boolean;
  confirmedAudioEndMs?: number;
  code?: string | null;
  message?: string;
}

export declare function playedPositionFromStats(report: Iterable<any> | Map<string, any>): number | null;
export declare function deltaMs(base64: string): number;

export declare class PlaybackMeter {
  constructor(options: { sources: () => Array<{ name: string; read: () => number | null | Promise<number | null> }>;
    appPlayedMs?: () => number | undefined; now: () => number });
  started(responseId: string | null): void;
  delivered(responseId: string | null, base64: string): void;
  measure(responseId: string | null): Promise<{ playedMs: number; deliveredMs: number | null; audioEndMs: number; source: string }>;
}

export declare class RealtimeVoiceClient extends Emitter {
  constructor(options: RealtimeVoiceClientOptions);
  readonly phase: Phase;
  readonly sessionId: string | null;
  readonly responseId: string | null;
  readonly tokens: TokenManager;
  /** The upstream call of the current connection (null when the connection gave none). */
  readonly callId: string | null;
  readonly mirror: SessionStateMirror;
  readonly events: EventReporter;
  readonly telemetry: TelemetryReporter;
  readonly recovery: RecoveryController;
  readonly rollover: RolloverController;
  readonly stats: { interrupts: number; staleDropped: number; iceRestarts: number; reconnects: number;
    falseInterruptions: number; rollovers: number };
  start(): Promise<{ sessionId: string }>;
  attach(pc: RTCPeerConnection, dc: RTCDataChannel, options?: { callId?: string | null }): void;
  send(event: Record<string, unknown>): boolean;
  interrupt(): InterruptStarted | null;
  recover(reason: string, given?: { plan: RecoveryPlan; summary?: RecoverySummary | null } | null): Promise<RecoveryResult | null>;
  end(reason?: string): Promise<void>;
  /**
   * Events: 'phase' (PhaseChange), 'event' (each upstream event not dropped), 'stale', 'interrupt' (InterruptDetail),
   * 'truncated' / 'truncate_already_shorter' / 'truncate_refused' / 'truncate_unconfirmed' (TruncationResult),
   * 'interrupt_pending', 'false_interruption', 'interruption_committed' (InterruptionJudgement),
   * 'call' ({ callId, sessionId }: each connection's upstream call),
   * 'interrupt_reported', 'cancel_unacknowledged', 'latency' (LatencySample), 'connected', 'issued', 'rotated' (server calls: the rotation token refreshed, `secret: false`),
   * 'reissued', 'rotation_retry', 'recovery_plan', 'recovered', 'recovery_failed', 'ice_state', 'ice_restarted',
   * 'network_changed', 'summary_replayed', 'channel_closed', 'warning', 'error',
   * 'rollover' (RolloverEvent), 'ended' (SessionEnded: the service ended the session).
   */
  on(type: 'phase', fn: (detail: PhaseChange) => void): () => void;
  on(type: 'interrupt', fn: (detail: InterruptDetail) => void): () => void;
  on(type: 'truncated' | 'truncate_already_shorter' | 'truncate_refused' | 'truncate_unconfirmed',
    fn: (detail: TruncationResult) => void): () => void;
  on(type: 'false_interruption' | 'interruption_committed', fn: (detail: InterruptionJudgement) => void): () => void;
  on(type: 'call', fn: (detail: { callId: string; sessionId: string }) => void): () => void;
  on(type: 'rollover', fn: (detail: RolloverEvent) => void): () => void;
  on(type: 'ended', fn: (detail: SessionEnded) => void): () => void;
  on(type: 'latency', fn: (detail: LatencySample) => void): () => void;
  on(type: string, fn: (detail: any) => void): () => void;
}

export declare function summaryText(summary: RecoverySummary | null): string;
