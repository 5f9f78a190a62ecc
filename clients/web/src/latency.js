// Per-turn latency of the five stages plus first audio and full turn, measured where only the
// client can see them: getStats() gives round-trip time and the jitter buffer, the mirror's events
// give the turn's start (the user stopped speaking), first audio heard and the end of the turn.
// inference is measured server-side by session-service.

/**
 * Reads what the stages need out of an RTCStatsReport (or any iterable of stats objects).
 * @param {Iterable<any> | Map<string, any>} report
 * @returns {{ rttMs: number|null, jitterBufferMs: number|null, playoutMs: number|null }}
 */
export function readTransportStats(report) {
  const stats = report instanceof Map || typeof report?.values === 'function' ? [...report.values()] : [...report];
  let rttMs = null;
  let jitterBufferMs = null;
  let playoutMs = null;
  for (const s of stats) {
    if (s.type === 'candidate-pair' && (s.nominated || s.state === 'succeeded') && typeof s.currentRoundTripTime === 'number') {
      rttMs = s.currentRoundTripTime * 1000;
    } else if (s.type === 'remote-inbound-rtp' && rttMs === null && typeof s.roundTripTime === 'number') {
      rttMs = s.roundTripTime * 1000;
    } else if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.jitterBufferEmittedCount > 0) {
      jitterBufferMs = (s.jitterBufferDelay / s.jitterBufferEmittedCount) * 1000;
    } else if (s.type === 'media-playout' && s.totalSamplesCount > 0) {
      playoutMs = (s.totalPlayoutDelay / s.totalSamplesCount) * 1000;
    }
  }
  return { rttMs, jitterBufferMs, playoutMs };
}

/**
 * Collects one turn's stage timings and turns them into samples for metrics-service.
 */
export class LatencyTracker {
  /**
   * @param {object} options
   * @param {() => number} options.now wall clock in ms (performance.timeOrigin + performance.now() in browsers)
   * @param {string} options.platform client platform label, e.g. "web-chrome"
   * @param {(sample: LatencySample) => void} options.emit where finished samples go
   */
  constructor({ now, platform, emit }) {
    this.now = now;
    this.platform = platform;
    this.emit = emit;
    this.turn = 0;
    this.turnStartMs = null;
    this.firstAudioSeen = false;
    /** capture latency of the microphone track (ms), when the browser reports it */
    this.captureMs = null;
  }

  /** The microphone's own latency (MediaTrackSettings.latency is in seconds). */
  setCaptureLatency(seconds) {
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) this.captureMs = seconds * 1000;
  }

  /** The user stopped speaking: a turn starts. */
  userStoppedSpeaking(turn) {
    this.turn = turn;
    this.turnStartMs = this.now();
    this.firstAudioSeen = false;
  }

  /** The first audio of the response is heard: first_audio of this turn. */
  firstAudioHeard() {
    if (this.turnStartMs === null || this.firstAudioSeen) return;
    this.firstAudioSeen = true;
    this.#sample('first_audio', this.now() - this.turnStartMs);
  }

  /** The response finished playing: full_turn of this turn. */
  turnFinished() {
    if (this.turnStartMs === null) return;
    this.#sample('full_turn', this.now() - this.turnStartMs);
    this.turnStartMs = null;
  }

  /** The turn was interrupted: it has no full_turn. */
  turnAbandoned() {
    this.turnStartMs = null;
  }

  /**
   * Transport and playback stages from a stats snapshot: uplink and downlink each take half the
   * round trip; downlink adds the jitter buffer; playback is the playout delay (or the audio
   * output latency when the browser has no playout stats).
   */
  fromStats(report, { outputLatencySeconds } = {}) {
    const { rttMs, jitterBufferMs, playoutMs } = readTransportStats(report);
    if (this.captureMs !== null) this.#sample('capture', this.captureMs);
    if (rttMs !== null) {
      this.#sample('uplink', rttMs / 2);
      this.#sample('downlink', rttMs / 2 + (jitterBufferMs ?? 0));
    }
    const playback = playoutMs ?? (typeof outputLatencySeconds === 'number' ? outputLatencySeconds * 1000 : null);
    if (playback !== null) this.#sample('playback', playback);
  }

  #sample(stage, valueMs) {
    if (!Number.isFinite(valueMs) || valueMs < 0) return;
    this.emit({
      stage,
      value_ms: Math.round(valueMs * 10) / 10,
      turn: this.turn,
      occurred_at: new Date(this.now()).toISOString(),
      platform: this.platform,
    });
  }
}

/**
 * @typedef {{ stage: string, value_ms: number, turn: number, occurred_at: string, platform: string }} LatencySample
 */
