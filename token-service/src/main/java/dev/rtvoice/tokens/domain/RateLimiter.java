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

  public RateLimiter(Limit userLimit, Limit deviceLimit, Clock clock) {
    this.userLimit = userLimit;
    this.deviceLimit = deviceLimit;
    this.clock = clock;
  }

  public Decision acquire(String userId, String deviceId) {
    long now = clock.millis();
    TokenBucket device = deviceLimit.enabled()
        ? devices.computeIfAbsent(userId + '\u0000' + deviceId, k -> newBucket(deviceLimit, now)) : null;
    if (device != null) {
      long wait;
      synchronized (device) {
        wait = device.tryTake(now);
      }
      if (wait > 0) {
        return new Decision(false, "device", wait);
      }
    }
    if (userLimit.enabled()) {
      TokenBucket user = users.computeIfAbsent(userId, k -> newBucket(userLimit, now));
      long wait;
      synchronized (user) {
        wait = user.tryTake(now);
      }
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

  private static TokenBucket newBucket(Limit limit, long now) {
    return new TokenBucket(Math.max(1, limit.burst()), limit.perMinute() / 60.0, now);
  }
}
