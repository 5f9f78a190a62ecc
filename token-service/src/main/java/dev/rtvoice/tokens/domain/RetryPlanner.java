package dev.rtvoice.tokens.domain;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Decides whether and when to try upstream again: jittered exponential backoff, at least
 * upstream's Retry-After, never more than {@code maxAttempts}, and never past the deadline (for a
 * rotation, the time the caller's current secret has left; for a new session, the total timeout).
 * A retry is planned only if, after its delay, it still has {@link #MIN_ATTEMPT_MS} to run.
 */
public final class RetryPlanner {
  /** A retry with less time than this to get an answer is not worth making. */
  public static final long MIN_ATTEMPT_MS = 100;

  private final long baseMs;
  private final long maxDelayMs;
  private final int maxAttempts;
  private final long requestTimeoutMs;
  private final DoubleSupplier random;

  /**
   * @param random uniform in [0, 1): the jitter source (a fixed value in tests)
   */
  public RetryPlanner(Duration base, Duration maxDelay, int maxAttempts, Duration requestTimeout,
                      DoubleSupplier random) {
    this.baseMs = Math.max(1, base.toMillis());
    this.maxDelayMs = Math.max(baseMs, maxDelay.toMillis());
    this.maxAttempts = maxAttempts;
    this.requestTimeoutMs = requestTimeout.toMillis();
    this.random = random;
  }

  /**
   * @param attemptsMade attempts already made (1 after the first failure)
   * @return the delay before the next attempt, or -1 to give up
   */
  public long nextDelayMs(UpstreamFailure failure, int attemptsMade, long nowMs, long deadlineMs) {
    if (!failure.retryable() || attemptsMade >= maxAttempts) {
      return -1;
    }
    long delay = backoffMs(attemptsMade);
    if (failure.retryAfterMs() >= 0) {
      delay = Math.max(delay, failure.retryAfterMs());
    }
    if (nowMs + delay + MIN_ATTEMPT_MS > deadlineMs) {
      return -1;
    }
    return delay;
  }

  /** Equal jitter: half the exponential step fixed, half random, so retries spread but still back off. */
  long backoffMs(int attemptsMade) {
    int exponent = Math.min(30, Math.max(0, attemptsMade - 1));
    long step = Math.min(maxDelayMs, baseMs << exponent);
    return step / 2 + (long) (random.getAsDouble() * (step - step / 2));
  }

  /**
   * The timeout of an attempt starting at {@code nowMs}: the request timeout, cut to what is left
   * before the deadline, except the first attempt, which always gets the full request timeout (a
   * rotation whose secret already expired still deserves one real try).
   */
  public long attemptTimeoutMs(int attemptNumber, long nowMs, long deadlineMs) {
    if (attemptNumber <= 1) {
      return requestTimeoutMs;
    }
    return Math.max(MIN_ATTEMPT_MS, Math.min(requestTimeoutMs, deadlineMs - nowMs));
  }

  public int maxAttempts() {
    return maxAttempts;
  }
}
