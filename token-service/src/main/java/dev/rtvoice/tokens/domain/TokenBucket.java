package dev.rtvoice.tokens.domain;

/**
 * A token bucket: {@code capacity} tokens, refilled continuously at {@code refillPerSecond}. Not
 * thread-safe; {@link RateLimiter} guards each bucket. Time is passed in (milliseconds of an
 * injectable clock), so tests replay minutes in microseconds.
 */
final class TokenBucket {
  private double capacity;
  private double refillPerMs;
  private double tokens;
  private long lastMs;
  private int sharedBy;

  TokenBucket(double capacity, double refillPerSecond, long nowMs) {
    this(capacity, refillPerSecond, nowMs, 1);
  }

  /** A bucket that is one of {@code sharedBy} instances' shares of a limit. */
  TokenBucket(double capacity, double refillPerSecond, long nowMs, int sharedBy) {
    this.sharedBy = sharedBy;
    this.capacity = capacity;
    this.refillPerMs = refillPerSecond / 1000.0;
    this.tokens = capacity;
    this.lastMs = nowMs;
  }

  /** Takes one token; returns 0 when granted, else how many ms until one is available. */
  long tryTake(long nowMs) {
    refill(nowMs);
    if (tokens >= 1.0) {
      tokens -= 1.0;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1.0 - tokens) / refillPerMs));
  }

  void giveBack() {
    tokens = Math.min(capacity, tokens + 1.0);
  }

  /** Whether the bucket is full at {@code nowMs}: it then carries no information and can be dropped. */
  boolean isFull(long nowMs) {
    refill(nowMs);
    return tokens >= capacity;
  }

  /**
   * A new size and rate (this instance's share changed). What is left keeps its proportion of the
   * bucket: a caller who spent its share has spent the new one too, and one who spent nothing may
   * use the whole new share.
   */
  void resize(double newCapacity, double newRefillPerSecond, long nowMs, int newSharedBy) {
    refill(nowMs);
    sharedBy = newSharedBy;
    tokens = tokens * newCapacity / capacity;
    capacity = newCapacity;
    refillPerMs = newRefillPerSecond / 1000.0;
  }

  int sharedBy() {
    return sharedBy;
  }

  double tokens() {
    return tokens;
  }

  private void refill(long nowMs) {
    if (nowMs > lastMs) {
      tokens = Math.min(capacity, tokens + (nowMs - lastMs) * refillPerMs);
      lastMs = nowMs;
    }
  }
}
