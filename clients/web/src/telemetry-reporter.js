// Ships per-turn latency samples (LatencyTracker's output) to metrics-service: POST /v1/telemetry
// {session_id, samples}, the session's rotation token as Bearer. metrics-service judges each sample
// on its own and answers which it refused and why; refusals are reported, not retried. Each POST
// carries a batch_id, the same on every retry of that batch (a timeout or a 503 may hide a batch
// that was taken), so metrics-service counts it once.
import { BatchSender } from './batch-sender.js';
import { requestJson } from './http.js';
import { systemClock } from './clock.js';
import { Emitter } from './emitter.js';

export class TelemetryReporter extends Emitter {
  /**
   * @param {object} options
   * @param {string} options.metricsServiceUrl
   * @param {() => ({ sessionId: string, rotationToken: string } | null)} options.credentials
   * @param {typeof fetch} [options.fetch]
   * @param {import('./clock.js').Clock} [options.clock]
   * @param {number} [options.flushIntervalMs]
   * @param {number} [options.requestTimeoutMs] a POST without an answer by then is retried (same batch_id)
   * @param {() => string} [options.newBatchKey] makes a batch's idempotency key (tests)
   */
  constructor(options) {
    super();
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.clock = options.clock ?? systemClock;
    this.tokens = new Map();
    this.rejectedSamples = 0;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.sender = new BatchSender({
      send: (items, batch) => this.#send(items, batch.key),
      newKey: options.newBatchKey,
      maxBatch: 100,
      maxBuffer: 2000,
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      clock: this.clock,
    });
    this.sender.on('rejected', (e) => this.emit('rejected', e));
  }

  /** @param {import('./latency.js').LatencySample} sample */
  record(sample) {
    const credentials = this.options.credentials();
    if (!credentials) return;
    this.tokens.set(credentials.sessionId, credentials.rotationToken);
    if (this.tokens.size > 4) this.tokens.delete(this.tokens.keys().next().value);
    this.sender.add({ sessionId: credentials.sessionId, sample });
  }

  flush() {
    return this.sender.flush();
  }

  close() {
    return this.sender.close();
  }

  get stats() {
    return { ...this.sender.stats, rejectedSamples: this.rejectedSamples };
  }

  async #send(items, key) {
    const bySession = new Map();
    for (const item of items) {
      if (!bySession.has(item.sessionId)) bySession.set(item.sessionId, []);
      bySession.get(item.sessionId).push(item.sample);
    }
    let part = 0;
    for (const [sessionId, samples] of bySession) {
      // the same items group the same way on a retry, so each session's part keeps its id
      const batchId = `${key}-${part++}`;
      const token = this.tokens.get(sessionId);
      if (!token) continue;
      const answer = await requestJson(this.fetch, 'POST', `${this.options.metricsServiceUrl}/v1/telemetry`,
        { session_id: sessionId, batch_id: batchId, samples }, { authorization: `Bearer ${token}` },
        { timeoutMs: this.requestTimeoutMs, clock: this.clock });
      if (answer?.rejected > 0) {
        this.rejectedSamples += answer.rejected;
        this.emit('samples_rejected', { sessionId, rejections: answer.rejections });
      }
      this.emit('accepted', { sessionId, accepted: answer?.accepted ?? 0 });
    }
  }
}
