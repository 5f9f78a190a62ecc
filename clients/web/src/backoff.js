// Jittered exponential backoff ("full jitter"): many clients that failed together do not retry
// together.

/**
 * The delay before retry number `attempt` (0-based).
 * @param {number} attempt
 * @param {{ baseMs?: number, maxMs?: number, random?: () => number }} [options]
 * @returns {number}
 */
export function backoffDelay(attempt, { baseMs = 250, maxMs = 10_000, random = Math.random } = {}) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Waits `ms` on `clock`; resolves early (to false) when `signal` aborts.
 * @param {import('./clock.js').Clock} clock
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<boolean>}
 */
export function sleep(clock, ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(handle);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
