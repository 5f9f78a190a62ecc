package dev.rtvoice.tokens.calls;

import dev.rtvoice.tokens.domain.UpstreamFailure;

/**
 * Whether a failed call creation may be sent again. Creating a call is not idempotent (OpenAI takes
 * no idempotency key for it): a request that may have reached upstream could have created a call,
 * and a second one would leave an orphan running and billing. So only what certainly created
 * nothing is retried: a connection that was never made, and a 429 (refused before any work), the
 * latter no sooner than its {@code Retry-After}; never a 5xx, a timeout or a reset connection.
 */
public final class CallRetryPolicy {
  /** A retry with less time than this to get an answer is not worth making. */
  static final long MIN_ATTEMPT_MS = 200;

  private final int maxAttempts;
  private final long backoffMs;

  public CallRetryPolicy(int maxAttempts, long backoffMs) {
    this.maxAttempts = Math.max(1, maxAttempts);
    this.backoffMs = Math.max(0, backoffMs);
  }

  /**
   * @param neverSent the request certainly did not reach upstream (the connection was refused)
   * @return the delay before the next attempt, or -1 to give up
   */
  public long nextDelayMs(UpstreamFailure failure, boolean neverSent, int attemptsMade, long nowMs, long deadlineMs) {
    boolean safe = neverSent || failure.kind() == UpstreamFailure.Kind.RATE_LIMITED;
    if (!safe || attemptsMade >= maxAttempts) {
      return -1;
    }
    long delay = backoffMs << Math.min(10, attemptsMade - 1);
    if (failure.retryAfterMs() >= 0) {
      delay = Math.max(delay, failure.retryAfterMs());
    }
    return nowMs + delay + MIN_ATTEMPT_MS > deadlineMs ? -1 : delay;
  }
}
