// Liveness: session-service hangs up the upstream call of a client it has not heard from for its
// grace (LIVENESS_GRACE, 45 s by default), since upstream tells nobody when a browser vanishes. The
// client proves it is there with what it reports anyway; only after `intervalMs` of saying nothing
// does it send a `client.heartbeat`.
import { systemClock } from './clock.js';

export const DEFAULT_HEARTBEAT_MS = 10_000;
const MIN_HEARTBEAT_MS = 100;
/** Above the service's default grace a heartbeat could never keep a session alive. */
const MAX_HEARTBEAT_MS = 40_000;

/**
 * @param {unknown} value
 * @returns {number} the interval, default 10 s
 */
export function heartbeatInterval(value) {
  if (value === undefined || value === null) return DEFAULT_HEARTBEAT_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_HEARTBEAT_MS || value > MAX_HEARTBEAT_MS) {
    throw new RangeError(`heartbeatMs must be a number from ${MIN_HEARTBEAT_MS} to ${MAX_HEARTBEAT_MS}, got ${value}`);
  }
  return value;
}

export class Heartbeat {
  /**
   * @param {object} options
   * @param {() => void} options.beat sends one heartbeat (it counts as something sent)
   * @param {number} [options.intervalMs] default 10 s
   * @param {import('./clock.js').Clock} [options.clock]
   */
  constructor({ beat, intervalMs, clock = systemClock }) {
    this.beat = beat;
    this.intervalMs = heartbeatInterval(intervalMs);
    this.clock = clock;
    this.lastSentAt = clock.now();
    this.timer = null;
    this.beats = 0;
  }

  /** Something was sent: the next heartbeat is due `intervalMs` from now. */
  sent() {
    this.lastSentAt = this.clock.now();
  }

  start() {
    if (this.timer !== null) return;
    this.lastSentAt = this.clock.now();
    this.#schedule(this.intervalMs);
  }

  stop() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  get running() {
    return this.timer !== null;
  }

  #schedule(delay) {
    this.timer = this.clock.setTimeout(() => this.#due(), delay);
  }

  #due() {
    const quietFor = this.clock.now() - this.lastSentAt;
    if (quietFor >= this.intervalMs) {
      this.beats++;
      this.beat();
      this.lastSentAt = this.clock.now();
      this.#schedule(this.intervalMs);
    } else {
      // something else was sent meanwhile: it counted, wait the rest
      this.#schedule(this.intervalMs - quietFor);
    }
  }
}
