// JSON over fetch, with the suite's error shape {"error":{"code","message",...}} turned into ApiError.
import { systemClock } from './clock.js';

/** An HTTP answer that is not 2xx, or a request that never got one (status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status 0 when the network failed
   * @param {string} code the suite's machine-readable code (`network_error` when status is 0)
   * @param {string} message
   * @param {Record<string, any>} [details] the rest of the error object (retry_after_ms, reissue_token, ...)
   * @param {number|null} [retryAfterMs] from a Retry-After header
   */
  constructor(status, code, message, details = {}, retryAfterMs = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterMs = retryAfterMs;
  }

  /** Whether trying again later can succeed: network errors, 408, 429 and 5xx. */
  get retryable() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/**
 * @param {typeof fetch} fetchImpl
 * @param {string} method
 * @param {string} url
 * @param {any} [body]
 * @param {Record<string, string>} [headers]
 * @param {{ timeoutMs?: number, clock?: import('./clock.js').Clock }} [options] with `timeoutMs`, a request
 *   that has no complete answer by then is aborted and fails with status 0, code `timeout` (retryable:
 *   the server may still have taken it, so retry with the same idempotency key)
 * @returns {Promise<any>} the parsed JSON body (or null)
 */
export async function requestJson(fetchImpl, method, url, body, headers = {}, { timeoutMs, clock = systemClock } = {}) {
  if (!timeoutMs) return exchange(fetchImpl, method, url, body, headers, undefined);
  const abort = typeof AbortController === 'function' ? new AbortController() : null;
  let timer = null;
  const timedOut = new Promise((_, reject) => {
    timer = clock.setTimeout(() => {
      abort?.abort();
      reject(new ApiError(0, 'timeout', `no answer from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([exchange(fetchImpl, method, url, body, headers, abort?.signal), timedOut]);
  } finally {
    clock.clearTimeout(timer);
  }
}

async function exchange(fetchImpl, method, url, body, headers, signal) {
  let response;
  try {
    response = await fetchImpl(url, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    throw new ApiError(0, 'network_error', `request to ${url} failed: ${e?.message ?? e}`);
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (response.ok) return json;
  const error = json?.error ?? {};
  const { code, message, ...details } = error;
  const retryAfter = response.headers?.get?.('retry-after');
  const retryAfterMs = retryAfter != null && !Number.isNaN(Number(retryAfter)) ? Number(retryAfter) * 1000 : null;
  throw new ApiError(response.status, code ?? `http_${response.status}`, message ?? `HTTP ${response.status}`,
    details, retryAfterMs ?? (typeof details.retry_after_ms === 'number' ? details.retry_after_ms : null));
}
