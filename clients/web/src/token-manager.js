// Short-lived client secrets from token-service: created with the app's user token, kept only in
// memory, rotated at rotate_at, and on a failed rotation the server's advice is followed (a new
// session) before any 401 can surprise the call. With server-side call creation there is no secret:
// the session's rotation token (its handle to the suite) is refreshed instead, on the same terms.
import { systemClock } from './clock.js';
import { backoffDelay, sleep } from './backoff.js';
import { ApiError, requestJson } from './http.js';
import { Emitter } from './emitter.js';

/** Epoch seconds or milliseconds to milliseconds (OpenAI's expires_at is in seconds). */
export function toMillis(epoch) {
  return epoch < 1e12 ? epoch * 1000 : epoch;
}

/**
 * @typedef {object} SessionCredentials
 * @property {string} sessionId
 * @property {string|null} clientSecret the upstream client secret (memory only); null with server calls
 * @property {number|null} expiresAtMs the secret's expiry; with server calls, the rotation token's
 * @property {number|null} rotateAtMs when to rotate the secret (server calls: null, there is none)
 * @property {number|null} [refreshAtMs] server calls: when to refresh the rotation token
 * @property {string} rotationToken the suite's signed handle of this session
 * @property {number} ttlSeconds
 */

export class TokenManager extends Emitter {
  /**
   * @param {object} options
   * @param {string} options.tokenServiceUrl
   * @param {() => string | Promise<string>} options.getUserToken the app's identity-provider token
   * @param {string} options.deviceId
   * @param {string} [options.voice]
   * @param {string} [options.model]
   * @param {number} [options.ttlSeconds]
   * @param {typeof fetch} [options.fetch]
   * @param {import('./clock.js').Clock} [options.clock]
   * @param {number} [options.expiryMarginMs] stop retrying a rotation this long before the secret dies
   * @param {boolean} [options.serverCalls] server-side call creation: no client secret is ever fetched;
   *   the session comes with its first call (`adopt`), `start()` only forgets the current one (the next
   *   call begins a new session), and instead of rotations the rotation token is refreshed
   *   (`POST /v1/sessions/{id}/refresh`, no secret) before it expires; `rotate()` refreshes now
   * @param {number} [options.refreshLeadMs] server calls: a rotation token that came with a call (its
   *   answer says only when it expires) is refreshed halfway through its life, and at least this long
   *   before it expires (default 90 s); later ones when token-service's `refresh_at` says
   */
  constructor(options) {
    super();
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.clock = options.clock ?? systemClock;
    this.expiryMarginMs = options.expiryMarginMs ?? 5_000;
    this.refreshLeadMs = options.refreshLeadMs ?? 90_000;
    /** @type {SessionCredentials|null} */
    this.credentials = null;
    this.timer = null;
    this.rotating = null;
    this.stopped = false;
  }

  get sessionId() {
    return this.credentials?.sessionId ?? null;
  }

  get clientSecret() {
    return this.credentials?.clientSecret ?? null;
  }

  get rotationToken() {
    return this.credentials?.rotationToken ?? null;
  }

  /** Creates a new session; resolves with its credentials (server calls: null, the next call makes it). */
  async start() {
    this.stopped = false;
    if (this.options.serverCalls) {
      this.#clearTimer();
      this.credentials = null;
      return null;
    }
    const body = {};
    if (this.options.voice) body.voice = this.options.voice;
    if (this.options.model) body.model = this.options.model;
    if (this.options.ttlSeconds) body.ttl_seconds = this.options.ttlSeconds;
    const answer = await requestJson(this.fetch, 'POST', `${this.options.tokenServiceUrl}/v1/sessions`, body,
      await this.#headers());
    this.#accept(answer, 'issued');
    return this.credentials;
  }

  /**
   * The session a server-created call belongs to (`POST /v1/realtime/calls`'s answer): its id and
   * rotation token, no client secret. `issued` when the call began a new session, whose rotation
   * token is then refreshed before it expires. A call of the session already held echoes the token it
   * was made with, which a refresh may have replaced meanwhile: the newest one is kept.
   * @param {{ sessionId: string, rotationToken: string, rotationTokenExpiresAt?: number|null, newSession?: boolean }} session
   */
  adopt(session) {
    if (typeof session?.sessionId !== 'string' || typeof session.rotationToken !== 'string') {
      throw new ApiError(502, 'invalid_response', 'the call came without its session or rotation token');
    }
    const known = this.credentials?.sessionId === session.sessionId;
    this.stopped = false;
    if (known && typeof session.rotationTokenExpiresAt !== 'number') {
      if (this.timer === null && !this.rotating) this.#schedule();
      return this.credentials;
    }
    const expiresAtMs = typeof session.rotationTokenExpiresAt === 'number' ? toMillis(session.rotationTokenExpiresAt)
      : null;
    this.credentials = {
      sessionId: session.sessionId,
      clientSecret: null,
      expiresAtMs,
      rotateAtMs: null,
      refreshAtMs: this.#refreshAt(expiresAtMs),
      rotationToken: session.rotationToken,
      ttlSeconds: null,
    };
    this.#schedule();
    if (!known) {
      this.emit('issued', { sessionId: session.sessionId, expiresAtMs, rotateAtMs: null,
        refreshAtMs: this.credentials.refreshAtMs });
    }
    return this.credentials;
  }

  /**
   * Rotates now (normally the timer does it at rotate_at); with server calls, refreshes the rotation
   * token instead (no secret). Concurrent calls share one rotation.
   */
  rotate() {
    if (!this.rotating) {
      this.rotating = this.#rotateWithRetries().finally(() => {
        this.rotating = null;
      });
    }
    return this.rotating;
  }

  /** Drops the credentials and timers (end of call). */
  stop() {
    this.stopped = true;
    this.#clearTimer();
    this.credentials = null;
  }

  #clearTimer() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** When to refresh a rotation token known only by its expiry: halfway, and at least the lead before it. */
  #refreshAt(expiresAtMs) {
    if (typeof expiresAtMs !== 'number') return null;
    const now = this.clock.now();
    return Math.max(now, expiresAtMs - Math.max(this.refreshLeadMs, (expiresAtMs - now) / 2));
  }

  async #rotateWithRetries() {
    for (let attempt = 0; !this.stopped && this.credentials; attempt++) {
      const current = this.credentials;
      const server = this.options.serverCalls;
      try {
        const answer = await requestJson(this.fetch, 'POST',
          `${this.options.tokenServiceUrl}/v1/sessions/${encodeURIComponent(current.sessionId)}/${server ? 'refresh' : 'rotate'}`,
          { rotation_token: current.rotationToken }, await this.#headers());
        if (!server) {
          this.#accept(answer, 'rotated');
        } else if (!this.stopped && this.credentials?.sessionId === current.sessionId) {
          // (a session left meanwhile needs no handle any more)
          this.#acceptRefresh(answer);
        }
        return this.credentials;
      } catch (e) {
        const error = e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e));
        const advice = adviceFor(error);
        if (advice === 'reissue') return this.#reissue(error);
        if (advice === 'give_up') {
          this.emit('error', error);
          throw error;
        }
        const wait = Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt));
        if (typeof current.expiresAtMs !== 'number' || this.clock.now() + wait > current.expiresAtMs - this.expiryMarginMs) {
          // no time left to keep trying with this secret: follow the session-class path now
          return this.#reissue(error);
        }
        this.emit('rotation_retry', { attempt, waitMs: wait, code: error.code });
        await sleep(this.clock, wait);
      }
    }
    return null;
  }

  async #reissue(cause) {
    const previous = this.credentials?.sessionId ?? null;
    this.emit('reconnect_advice', {
      reason: cause.code,
      reissueToken: true,
      previousSessionId: previous,
    });
    const credentials = await this.start();
    // server calls: the next call begins the new session (sessionId null until then)
    this.emit('reissued', { previousSessionId: previous, sessionId: credentials?.sessionId ?? null });
    return credentials;
  }

  #accept(answer, kind) {
    const secret = answer?.client_secret ?? answer;
    if (typeof answer?.session_id !== 'string' || typeof secret?.value !== 'string'
      || typeof answer?.rotation_token !== 'string') {
      throw new ApiError(502, 'invalid_response', 'token-service answered without session_id, secret or rotation_token');
    }
    const expiresAtMs = toMillis(secret.expires_at);
    const rotateAtMs = typeof answer.rotate_at === 'number' ? toMillis(answer.rotate_at) : expiresAtMs - 30_000;
    this.credentials = {
      sessionId: answer.session_id,
      clientSecret: secret.value,
      expiresAtMs,
      rotateAtMs,
      rotationToken: answer.rotation_token,
      ttlSeconds: answer.ttl_seconds,
    };
    this.#schedule();
    // listeners get the session, never the secret itself
    this.emit(kind, { sessionId: answer.session_id, expiresAtMs, rotateAtMs });
  }

  /** A refresh's answer: the session's next rotation token, no secret. */
  #acceptRefresh(answer) {
    if (answer?.session_id !== this.credentials.sessionId || typeof answer?.rotation_token !== 'string'
      || typeof answer?.rotation_token_expires_at !== 'number') {
      throw new ApiError(502, 'invalid_response', 'token-service answered the refresh without the session or its rotation token');
    }
    const expiresAtMs = toMillis(answer.rotation_token_expires_at);
    const refreshAtMs = typeof answer.refresh_at === 'number' ? toMillis(answer.refresh_at) : this.#refreshAt(expiresAtMs);
    this.credentials = {
      ...this.credentials,
      expiresAtMs,
      refreshAtMs,
      rotationToken: answer.rotation_token,
      ttlSeconds: typeof answer.ttl_seconds === 'number' ? answer.ttl_seconds : this.credentials.ttlSeconds,
    };
    this.#schedule();
    // 'rotated' as for a new secret, so whatever holds the session's token takes the new one
    this.emit('rotated', { sessionId: answer.session_id, expiresAtMs, rotateAtMs: null, refreshAtMs, secret: false });
  }

  #schedule() {
    this.#clearTimer();
    const at = this.options.serverCalls ? this.credentials?.refreshAtMs : this.credentials?.rotateAtMs;
    if (typeof at !== 'number') return;
    const delay = Math.max(0, at - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.rotate().catch(() => {
        // reported through the 'error' event
      });
    }, delay);
  }

  async #headers() {
    return {
      authorization: `Bearer ${await this.options.getUserToken()}`,
      'x-device-id': this.options.deviceId,
    };
  }
}

/**
 * What a failed rotation tells the client to do.
 * @param {ApiError} error
 * @returns {'retry'|'reissue'|'give_up'}
 */
export function adviceFor(error) {
  if (error.details?.reissue_token === true || error.code === 'rotation_failed' || error.code === 'session_expired') {
    return 'reissue';
  }
  if (error.status === 401 || error.status === 403 || error.status === 400 || error.status === 404) {
    return error.status === 404 ? 'reissue' : 'give_up';
  }
  return error.retryable ? 'retry' : 'give_up';
}
