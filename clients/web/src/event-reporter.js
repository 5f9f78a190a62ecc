// Ships event summaries to session-service (POST /v1/sessions/{id}/events, the session's rotation
// token as Bearer), in batches, with retries and a bounded buffer (BatchSender). Sequence numbers
// are per session, from 1: a reissued session starts again at 1, and what was buffered for the old
// session still goes to the old session with its own token.
import { BatchSender } from './batch-sender.js';
import { requestJson } from './http.js';
import { systemClock } from './clock.js';
import { Emitter } from './emitter.js';
import { summarizeClient, summarizeUpstream } from './event-summary.js';

/** session-service's EVENTS_MAX_BATCH default is 100; stay well under it. */
const MAX_BATCH = 50;
const REMEMBERED_SESSIONS = 4;

export class EventReporter extends Emitter {
  /**
   * @param {object} options
   * @param {string} options.sessionServiceUrl
   * @param {() => ({ sessionId: string, rotationToken: string } | null)} options.credentials the current session
   * @param {string} [options.platform] e.g. "web-chrome" (a-z, 0-9, '_', '.', '-')
   * @param {typeof fetch} [options.fetch]
   * @param {import('./clock.js').Clock} [options.clock]
   * @param {number} [options.maxBuffer]
   * @param {number} [options.flushIntervalMs]
   */
  constructor(options) {
    super();
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.clock = options.clock ?? systemClock;
    this.seqBySession = new Map();
    this.tokens = new Map();
    this.sender = new BatchSender({
      send: (items) => this.#send(items),
      maxBatch: MAX_BATCH,
      maxBuffer: options.maxBuffer ?? 1000,
      flushIntervalMs: options.flushIntervalMs ?? 250,
      clock: this.clock,
    });
    this.sender.on('rejected', (e) => this.emit('rejected', e));
    this.sender.on('retry', (e) => this.emit('retry', e));
  }

  /** Reports an upstream event seen on the data channel; returns the summary (null: not reported). */
  upstream(event, occurredAtMs = this.clock.now()) {
    return this.#add(summarizeUpstream(event, occurredAtMs));
  }

  /** Reports one of the library's own events (`client.<kind>`). */
  client(kind, fields = {}, occurredAtMs = this.clock.now()) {
    return this.#add(summarizeClient(kind, occurredAtMs, fields));
  }

  /** Reports a client event for a given session (e.g. `client.ended` of the session a reissue replaced). */
  clientFor(credentials, kind, fields = {}, occurredAtMs = this.clock.now()) {
    return this.#add(summarizeClient(kind, occurredAtMs, fields), credentials);
  }

  flush() {
    return this.sender.flush();
  }

  /**
   * Sends what is buffered now and holds back what comes after, until the returned release() is
   * called: the interrupt must reach session-service after the events that led to it, and before
   * the ones that followed (the cancelled response's end).
   * @returns {{ flushed: Promise<void>, release: () => void }}
   */
  barrier() {
    const flushed = this.sender.flush();
    this.sender.hold();
    let released = false;
    return {
      flushed,
      release: () => {
        if (released) return;
        released = true;
        this.sender.release();
      },
    };
  }

  close() {
    return this.sender.close();
  }

  get stats() {
    return this.sender.stats;
  }

  #add(summary, credentials = this.options.credentials()) {
    if (!summary || !credentials) return null;
    const { sessionId, rotationToken } = credentials;
    this.#remember(sessionId, rotationToken);
    const seq = (this.seqBySession.get(sessionId) ?? 0) + 1;
    this.seqBySession.set(sessionId, seq);
    const item = { sessionId, summary: { ...summary, seq } };
    this.sender.add(item);
    // the heartbeat only speaks when nothing else was said
    this.emit('added', item.summary);
    return item.summary;
  }

  #remember(sessionId, token) {
    this.tokens.delete(sessionId);
    this.tokens.set(sessionId, token);
    while (this.tokens.size > REMEMBERED_SESSIONS) {
      const oldest = this.tokens.keys().next().value;
      this.tokens.delete(oldest);
      this.seqBySession.delete(oldest);
    }
  }

  async #send(items) {
    // one request per session, in order; a batch never mixes sessions
    const bySession = new Map();
    for (const item of items) {
      if (!bySession.has(item.sessionId)) bySession.set(item.sessionId, []);
      bySession.get(item.sessionId).push(item.summary);
    }
    for (const [sessionId, events] of bySession) {
      const token = this.tokens.get(sessionId);
      if (!token) continue; // forgotten session: nothing can authenticate it any more
      const body = { events };
      if (this.options.platform) body.platform = this.options.platform;
      const answer = await requestJson(this.fetch, 'POST',
        `${this.options.sessionServiceUrl}/v1/sessions/${encodeURIComponent(sessionId)}/events`, body,
        { authorization: `Bearer ${token}` });
      this.emit('accepted', { sessionId, count: events.length, phase: answer?.phase ?? null, advice: answer?.advice ?? null });
    }
  }
}
