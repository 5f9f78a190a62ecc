// Ships per-turn latency samples (LatencyTracker's output) to metrics-service: POST /v1/telemetry
// {session_id, samples}, the session's rotation token as Bearer. metrics-service judges each sample
// on its own and answers which it refused and why; refusals are reported, not retried.
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
   */
  constructor(options) {
    super();
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.clock = options.clock ?? systemClock;
    this.tokens = new Map();
    this.rejectedSamples = 0;
    this.sender = new BatchSender({
      send: (items) => this.#send(items),
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

  async #send(items) {
    const bySession = new Map();
    for (const item of items) {
      if (!bySession.has(item.sessionId)) bySession.set(item.sessionId, []);
      bySession.get(item.sessionId).push(item.sample);
    }
    for (const [sessionId, samples] of bySession) {
      const token = this.tokens.get(sessionId);
      if (!token) continue;
      const answer = await requestJson(this.fetch, 'POST', `${this.options.metricsServiceUrl}/v1/telemetry`,
        { session_id: sessionId, samples }, { authorization: `Bearer ${token}` });
      if (answer?.rejected > 0) {
        this.rejectedSamples += answer.rejected;
        this.emit('samples_rejected', { sessionId, rejections: answer.rejections });
      }
      this.emit('accepted', { sessionId, accepted: answer?.accepted ?? 0 });
    }
  }
}
