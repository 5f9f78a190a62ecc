package dev.rtvoice.common.limit;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Rate limits of an ingest path, by count and by bytes, in several scopes at once (for example per
 * session and per user). Each tracked key of a scope has two token buckets: events per second and
 * bytes per second, each with a burst. A request costs its event count and its byte size in every
 * scope; it is allowed only if every bucket it touches can pay, and then pays in all of them, or in
 * none.
 *
 * <p>Bounded by design: each scope tracks at most {@code maxKeys} keys. A new key beyond that evicts
 * the least recently used one (counted in {@link #evictedActive()} when it still carried a debt, which
 * only happens when more than {@code maxKeys} keys are active at once: that key starts afresh).
 * {@link #evictIdle()} drops buckets that have refilled completely, since a full bucket says nothing a
 * new one would not, so memory follows the active keys.
 *
 * <p>A request larger than a bucket's burst is allowed when that bucket is full, leaving it in debt
 * (negative) until the refill pays it back: a maximal request is never refused forever, and still
 * costs its full size. Plain Java, one lock: a request is a few map look-ups.
 */
public final class IngestLimiter {

  /**
   * One dimension's limit: {@code perSecond} sustained, {@code burst} at once; perSecond 0 disables it.
   */
  public record Rate(double perSecond, long burst) {
    public Rate {
      if (perSecond < 0 || burst < 0 || (perSecond > 0 && burst < 1)) {
        throw new IllegalArgumentException("a rate needs perSecond >= 0 and, when enabled, burst >= 1");
      }
    }

    public static Rate off() {
      return new Rate(0, 0);
    }

    public boolean enabled() {
      return perSecond > 0;
    }
  }

  /** A scope ("session", "user") with its limits on events and bytes and its bound on tracked keys. */
  public record Scope(String name, Rate events, Rate bytes, int maxKeys) {
    public Scope {
      if (maxKeys < 1) {
        throw new IllegalArgumentException("maxKeys must be at least 1");
      }
    }
  }

  /**
   * The verdict. Denied: the scope and dimension ({@code events} or {@code bytes}) that refused, and
   * how long until every bucket the request touches could pay.
   */
  public record Decision(boolean allowed, String scope, String dimension, long retryAfterMs) {
    static final Decision ALLOWED = new Decision(true, null, null, 0);
  }

  private final List<Table> tables = new ArrayList<>();
  private final LongSupplier clockMs;
  private long evictedActive;

  public IngestLimiter(List<Scope> scopes, LongSupplier clockMs) {
    for (Scope scope : scopes) {
      tables.add(new Table(scope));
    }
    this.clockMs = clockMs;
  }

  /**
   * Charges {@code events} and {@code bytes} to {@code keys}, one key per scope in the scopes' order
   * (a null key skips its scope).
   */
  public synchronized Decision acquire(long events, long bytes, String... keys) {
    if (keys.length != tables.size()) {
      throw new IllegalArgumentException("one key per scope: " + tables.size() + " expected, got " + keys.length);
    }
    long now = clockMs.getAsLong();
    Buckets[] touched = new Buckets[keys.length];
    long worstWait = 0;
    String worstScope = null;
    String worstDimension = null;
    for (int i = 0; i < keys.length; i++) {
      Table table = tables.get(i);
      if (keys[i] == null || !table.enabled()) {
        continue;
      }
      Buckets b = table.get(keys[i], now);
      touched[i] = b;
      long waitEvents = b.events == null ? 0 : b.events.waitFor(events, now);
      long waitBytes = b.bytes == null ? 0 : b.bytes.waitFor(bytes, now);
      if (waitEvents > worstWait) {
        worstWait = waitEvents;
        worstScope = table.scope.name();
        worstDimension = "events";
      }
      if (waitBytes > worstWait) {
        worstWait = waitBytes;
        worstScope = table.scope.name();
        worstDimension = "bytes";
      }
    }
    if (worstWait > 0) {
      return new Decision(false, worstScope, worstDimension, worstWait);
    }
    for (Buckets b : touched) {
      if (b != null) {
        if (b.events != null) {
          b.events.take(events);
        }
        if (b.bytes != null) {
          b.bytes.take(bytes);
        }
      }
    }
    return Decision.ALLOWED;
  }

  /** Drops the buckets that refilled completely; returns how many keys are still tracked. */
  public synchronized int evictIdle() {
    long now = clockMs.getAsLong();
    int left = 0;
    for (Table table : tables) {
      for (Iterator<Buckets> it = table.keys.values().iterator(); it.hasNext(); ) {
        if (it.next().full(now)) {
          it.remove();
        }
      }
      left += table.keys.size();
    }
    return left;
  }

  /** Keys tracked now, all scopes together. */
  public synchronized int trackedKeys() {
    return tables.stream().mapToInt(t -> t.keys.size()).sum();
  }

  /** Keys evicted while still in debt because more than {@code maxKeys} keys of a scope were active at once. */
  public synchronized long evictedActive() {
    return evictedActive;
  }

  /** The keys of one scope, least recently used first. */
  private final class Table {
    final Scope scope;
    final LinkedHashMap<String, Buckets> keys;
    private long evictAt;

    Table(Scope scope) {
      this.scope = scope;
      this.keys = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Buckets> eldest) {
          if (size() <= scope.maxKeys()) {
            return false;
          }
          if (!eldest.getValue().full(evictAt)) {
            evictedActive++;
          }
          return true;
        }
      };
    }

    boolean enabled() {
      return scope.events().enabled() || scope.bytes().enabled();
    }

    Buckets get(String key, long now) {
      Buckets b = keys.get(key);
      if (b == null) {
        evictAt = now;
        b = new Buckets(scope, now);
        keys.put(key, b);
      }
      return b;
    }
  }

  /** The two buckets of one key. */
  private static final class Buckets {
    final Bucket events;
    final Bucket bytes;

    Buckets(Scope scope, long now) {
      events = scope.events().enabled() ? new Bucket(scope.events(), now) : null;
      bytes = scope.bytes().enabled() ? new Bucket(scope.bytes(), now) : null;
    }

    boolean full(long now) {
      return (events == null || events.full(now)) && (bytes == null || bytes.full(now));
    }
  }

  /** A token bucket that may go into debt (see the class comment). Guarded by the limiter's lock. */
  private static final class Bucket {
    private final double capacity;
    private final double refillPerMs;
    private double tokens;
    private long lastMs;

    Bucket(Rate rate, long now) {
      this.capacity = rate.burst();
      this.refillPerMs = rate.perSecond() / 1000.0;
      this.tokens = capacity;
      this.lastMs = now;
    }

    /** 0 when {@code cost} can be paid now, else the ms until it can. */
    long waitFor(long cost, long now) {
      refill(now);
      double needed = Math.min(cost, capacity);
      if (tokens >= needed) {
        return 0;
      }
      return Math.max(1, (long) Math.ceil((needed - tokens) / refillPerMs));
    }

    void take(long cost) {
      tokens -= cost;
    }

    boolean full(long now) {
      refill(now);
      return tokens >= capacity;
    }

    private void refill(long now) {
      if (now > lastMs) {
        tokens = Math.min(capacity, tokens + (now - lastMs) * refillPerMs);
        lastMs = now;
      }
    }
  }
}
