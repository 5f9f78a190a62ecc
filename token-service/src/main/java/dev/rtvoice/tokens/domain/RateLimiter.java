package dev.rtvoice.tokens.domain;

import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user and per-device token buckets. A request takes one token from its device bucket (keyed by
 * user and device, so one user cannot drain another's device) and one from its user bucket; if either
 * is empty nothing is taken and the caller learns how long to wait. Thread-safe: the API runs on
 * several event loops. Full buckets are dropped by {@link #evictIdle()}, so memory follows active
 * callers, not every caller ever seen.
 *
 * <p>With several instances each holds its share of every limit ({@link #shareAmong}): with
 * {@code n} instances a bucket holds {@code burst / n} (at least one token) and refills at
 * {@code perMinute / n}, so together they admit what one instance would, never {@code n} times it.
 */
public final class RateLimiter {
  /** The verdict: allowed, or denied with the scope that denied it and the wait. */
  public record Decision(boolean allowed, String scope, long retryAfterMs) {
    static final Decision ALLOWED = new Decision(true, null, 0);
  }

  /** A limit: {@code perMinute} sustained, {@code burst} at once; perMinute 0 disables it. */
  public record Limit(int perMinute, int burst) {
    public boolean enabled() {
      return perMinute > 0;
    }
  }

  private final Limit userLimit;
  private final Limit deviceLimit;
  private final Clock clock;
  private final Map<String, TokenBucket> users = new ConcurrentHashMap<>();
  private final Map<String, TokenBucket> devices = new ConcurrentHashMap<>();
  private volatile int instances = 1;

  public RateLimiter(Limit userLimit, Limit deviceLimit, Clock clock) {
    this.userLimit = userLimit;
    this.deviceLimit = deviceLimit;
    this.clock = clock;
  }

  /**
   * This instance now enforces {@code 1 / instances} of each limit. Each bucket is resized in
   * proportion (see {@link TokenBucket#resize}) the next time it is used, under its own lock, so a
   * request never sees a bucket half-way between two shares.
   */
  public void shareAmong(int instances) {
    if (instances < 1) {
      throw new IllegalArgumentException("instances must be at least 1, got " + instances);
    }
    this.instances = instances;
  }

  public int instances() {
    return instances;
  }

  /** Takes a token from {@code bucket} at the current share; 0 when granted, else the wait in ms. */
  private long take(TokenBucket bucket, Limit limit, long now) {
    int n = instances;
    synchronized (bucket) {
      if (bucket.sharedBy() != n) {
        bucket.resize(capacity(limit, n), refillPerSecond(limit, n), now, n);
      }
      return bucket.tryTake(now);
    }
  }

  public Decision acquire(String userId, String deviceId) {
    long now = clock.millis();
    TokenBucket device = deviceLimit.enabled()
        ? devices.computeIfAbsent(userId + '\u0000' + deviceId, k -> newBucket(deviceLimit, now)) : null;
    if (device != null) {
      long wait = take(device, deviceLimit, now);
      if (wait > 0) {
        return new Decision(false, "device", wait);
      }
    }
    if (userLimit.enabled()) {
      TokenBucket user = users.computeIfAbsent(userId, k -> newBucket(userLimit, now));
      long wait = take(user, userLimit, now);
      if (wait > 0) {
        if (device != null) {
          synchronized (device) {
            device.giveBack();
          }
        }
        return new Decision(false, "user", wait);
      }
    }
    return Decision.ALLOWED;
  }

  /** Drops buckets that refilled completely; returns how many are still tracked. */
  public int evictIdle() {
    long now = clock.millis();
    evict(users, now);
    evict(devices, now);
    return users.size() + devices.size();
  }

  private static void evict(Map<String, TokenBucket> buckets, long now) {
    for (Iterator<Map.Entry<String, TokenBucket>> it = buckets.entrySet().iterator(); it.hasNext(); ) {
      TokenBucket bucket = it.next().getValue();
      boolean full;
      synchronized (bucket) {
        full = bucket.isFull(now);
      }
      if (full) {
        it.remove();
      }
    }
  }

  private TokenBucket newBucket(Limit limit, long now) {
    int n = instances;
    return new TokenBucket(capacity(limit, n), refillPerSecond(limit, n), now, n);
  }

  /** A share of the burst, never below one token: a bucket that cannot hold one would admit nothing. */
  static double capacity(Limit limit, int instances) {
    return Math.max(1.0, Math.max(1, limit.burst()) / (double) instances);
  }

  static double refillPerSecond(Limit limit, int instances) {
    return limit.perMinute() / 60.0 / instances;
  }
}
