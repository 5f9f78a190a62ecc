// @rtvoice/web: the browser client of the realtime voice control plane. Plain ES modules, no build
// step: import from '/client/index.js' as served by the console, or from the npm package.
export { RealtimeVoiceClient, summaryText, boundedReplay } from './realtime-voice-client.js';
export { RolloverController, RolloverFailure } from './rollover.js';
export { Heartbeat, heartbeatInterval } from './heartbeat.js';
export { endReasonOf } from './session-end.js';
export { TokenManager, adviceFor, toMillis } from './token-manager.js';
export { SessionStateMirror, Phase, responseIdOf } from './state-mirror.js';
export { EventReporter } from './event-reporter.js';
export { TelemetryReporter } from './telemetry-reporter.js';
export { RecoveryController, localPlan } from './recovery-controller.js';
export { LatencyTracker, readTransportStats } from './latency.js';
export { WebRtcConnector, callIdFromLocation, OPENAI_CALLS_URL, CALL_CREATION } from './webrtc-connect.js';
export { PendingInterruption, countWords, normalizePolicy } from './pending-interruption.js';
export { PlaybackMeter, playedPositionFromStats, deltaMs } from './playback-meter.js';
export { BatchSender } from './batch-sender.js';
export { summarizeUpstream, summarizeClient, reasonOf, UPSTREAM_TYPES } from './event-summary.js';
export { ApiError, requestJson } from './http.js';
export { backoffDelay, sleep } from './backoff.js';
export { systemClock, FakeClock } from './clock.js';
export { Emitter } from './emitter.js';
