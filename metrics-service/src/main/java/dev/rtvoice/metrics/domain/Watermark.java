package dev.rtvoice.metrics.domain;

/**
 * Event-time progress of the windows: the maximum event time seen minus the allowed lateness.
 * Everything before the watermark is closed; a sample before it is dropped, never folded into a
 * later bucket.
 *
 * <p>A watermark driven only by events stalls when events stop, and the last buckets would never
 * close. So, after {@code idleTimeout} of wall-clock time without a newer event, event time is taken
 * to advance with the wall clock (as stream processors do for idle sources). While events flow, the
 * wall clock plays no part, so replays and catch-up after downtime keep their own event time.
 * The watermark never moves backwards.
 */
public final class Watermark {
  /** No event seen yet. */
  public static final long NONE = Long.MIN_VALUE;

  private final long latenessMs;
  private final long idleTimeoutMs;
  private long maxSeen = NONE;
  private long maxSeenAtWall;
  private long effectiveMax = NONE;

  public Watermark(long latenessMs, long idleTimeoutMs) {
    if (latenessMs < 0 || idleTimeoutMs < 0) {
      throw new IllegalArgumentException("lateness and idle timeout must not be negative");
    }
    this.latenessMs = latenessMs;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /** Notes an accepted event's time. */
  public void observe(long eventMs, long nowWallMs) {
    if (eventMs > maxSeen) {
      maxSeen = eventMs;
      maxSeenAtWall = nowWallMs;
      if (eventMs > effectiveMax) {
        effectiveMax = eventMs;
      }
    }
  }

  /** The newest event time, advanced by idle wall-clock time; {@link #NONE} before any event. */
  public long maxEventTime(long nowWallMs) {
    if (maxSeen == NONE) {
      return NONE;
    }
    long idleFor = nowWallMs - maxSeenAtWall - idleTimeoutMs;
    if (idleFor > 0 && maxSeen + idleFor > effectiveMax) {
      effectiveMax = maxSeen + idleFor;
    }
    return effectiveMax;
  }

  /** Everything before this instant is closed; {@link #NONE} before any event. */
  public long current(long nowWallMs) {
    long max = maxEventTime(nowWallMs);
    return max == NONE ? NONE : max - latenessMs;
  }

  public long latenessMs() {
    return latenessMs;
  }
}
