// Ships items (event summaries, latency samples) in batches: a bounded buffer that drops the oldest
// when the suite is unreachable for long, retries with jittered backoff, and drops a batch the
// server refuses as invalid (counted), since sending it again cannot succeed.
import { systemClock } from './clock.js';
import { backoffDelay, sleep } from './backoff.js';
import { ApiError } from './http.js';
import { Emitter } from './emitter.js';

export class BatchSender extends Emitter {
  /**
   * @param {object} options
   * @param {(items: any[]) => Promise<any>} options.send posts one batch; throws ApiError on failure
   * @param {number} [options.maxBatch]
   * @param {number} [options.maxBuffer]
   * @param {number} [options.flushIntervalMs]
   * @param {import('./clock.js').Clock} [options.clock]
   * @param {() => number} [options.random]
   */
  constructor({ send, maxBatch = 50, maxBuffer = 1000, flushIntervalMs = 250, clock = systemClock, random }) {
    super();
    this.send = send;
    this.maxBatch = maxBatch;
    this.maxBuffer = maxBuffer;
    this.flushIntervalMs = flushIntervalMs;
    this.clock = clock;
    this.random = random ?? Math.random;
    this.buffer = [];
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
    if (this.buffer.length > this.maxBuffer) {
      this.buffer.splice(0, this.buffer.length - this.maxBuffer);
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
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, this.maxBatch);
      try {
        await this.send(batch);
        this.#remove(batch);
        this.stats.sent += batch.length;
        attempt = 0;
      } catch (e) {
        const error = e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e));
        if (!error.retryable) {
          // a 4xx will not pass on a second try: drop it, say so, keep the rest flowing
          this.#remove(batch);
          this.stats.droppedRejected += batch.length;
          this.emit('rejected', { error, count: batch.length });
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

  #remove(batch) {
    // the overflow rule may have dropped some of the batch already; remove what is still there
    for (const item of batch) {
      const i = this.buffer.indexOf(item);
      if (i >= 0) this.buffer.splice(i, 1);
    }
  }
}
