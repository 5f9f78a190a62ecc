// Ships items (event summaries, latency samples) in batches: a bounded buffer that drops the oldest
// when the suite is unreachable for long, retries with jittered backoff, and drops a batch the
// server refuses as invalid (counted), since sending it again cannot succeed. A batch is fixed
// once formed and keeps one idempotency key on every retry (a timeout or a 503 may hide a batch
// the server did take), so the server counts it once; the next batch gets a new key.
import { systemClock } from './clock.js';
import { backoffDelay, sleep } from './backoff.js';
import { ApiError } from './http.js';
import { Emitter } from './emitter.js';

export class BatchSender extends Emitter {
  /**
   * @param {object} options
   * @param {(items: any[], batch: { key: string, attempt: number }) => Promise<any>} options.send posts one
   *   batch; throws ApiError on failure. `key` is the batch's idempotency key, the same on every retry
   * @param {number} [options.maxBatch]
   * @param {number} [options.maxBuffer]
   * @param {number} [options.flushIntervalMs]
   * @param {import('./clock.js').Clock} [options.clock]
   * @param {() => number} [options.random]
   * @param {() => string} [options.newKey] makes a batch's idempotency key (a random UUID by default)
   */
  constructor({ send, maxBatch = 50, maxBuffer = 1000, flushIntervalMs = 250, clock = systemClock, random, newKey }) {
    super();
    this.send = send;
    this.maxBatch = maxBatch;
    this.maxBuffer = maxBuffer;
    this.flushIntervalMs = flushIntervalMs;
    this.clock = clock;
    this.random = random ?? Math.random;
    this.newKey = newKey ?? randomKey;
    this.buffer = [];
    /** The batch being sent: its items and key stay the same until it is taken or refused. */
    this.current = null;
    this.timer = null;
    this.inFlight = null;
    this.stats = { sent: 0, droppedOverflow: 0, droppedRejected: 0, retries: 0 };
    this.closed = false;
    this.holds = 0;
    this.held = [];
  }

  /**
   * Holds back what is added from now on (what is buffered still goes) until release(): something
   * that must reach the server before them is being sent on another path (an interrupt).
   */
  hold() {
    this.holds++;
  }

  release() {
    if (this.holds === 0) return;
    this.holds--;
    if (this.holds > 0 || this.held.length === 0) return;
    const items = this.held;
    this.held = [];
    for (const item of items) this.add(item);
  }

  add(item) {
    if (this.closed) return;
    if (this.holds > 0) {
      this.held.push(item);
      if (this.held.length > this.maxBuffer) {
        this.held.shift();
        this.stats.droppedOverflow++;
      }
      return;
    }
    this.buffer.push(item);
    // the batch in flight stays whole (its retries must carry the same items under its key)
    const room = Math.max(0, this.maxBuffer - (this.current?.items.length ?? 0));
    if (this.buffer.length > room) {
      this.buffer.splice(0, this.buffer.length - room);
      this.stats.droppedOverflow++;
    }
    if (this.buffer.length >= this.maxBatch) {
      this.flush();
    } else if (this.timer === null && !this.inFlight) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.flushIntervalMs);
    }
  }

  /** Items waiting to be sent, the batch in flight included. */
  get size() {
    return this.buffer.length + (this.current?.items.length ?? 0);
  }

  /** Sends everything buffered; resolves when the buffer is empty or the sender closed. */
  flush() {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.inFlight) {
      this.inFlight = this.#drain().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  /** Sends what is left, then stops accepting items. */
  async close() {
    while (this.holds > 0) this.release();
    await this.flush();
    this.closed = true;
  }

  async #drain() {
    let attempt = 0;
    while (this.current || this.buffer.length > 0) {
      if (!this.current) {
        this.current = { key: this.newKey(), items: this.buffer.splice(0, this.maxBatch) };
      }
      const batch = this.current;
      try {
        await this.send(batch.items, { key: batch.key, attempt });
        this.current = null;
        this.stats.sent += batch.items.length;
        attempt = 0;
      } catch (e) {
        const error = e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e));
        if (!error.retryable) {
          // a 4xx will not pass on a second try: drop it, say so, keep the rest flowing
          this.current = null;
          this.stats.droppedRejected += batch.items.length;
          this.emit('rejected', { error, count: batch.items.length });
          continue;
        }
        if (this.closed) return;
        this.stats.retries++;
        const wait = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt++, { random: this.random }));
        this.emit('retry', { error, waitMs: wait });
        await sleep(this.clock, wait);
      }
    }
  }

}

function randomKey() {
  if (typeof globalThis.crypto?.randomUUID === 'function') return globalThis.crypto.randomUUID();
  let key = '';
  for (let i = 0; i < 32; i++) key += Math.floor(Math.random() * 16).toString(16);
  return key;
}
