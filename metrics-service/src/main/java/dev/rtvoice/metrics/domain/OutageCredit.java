package dev.rtvoice.metrics.domain;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The suite's own outages, as this instance lived them, and the lateness they excuse. While Kafka
 * does not answer, the suite refuses writes (503 {@code unavailable}) and clients hold their data
 * and retry it once Kafka is back; that data then arrives older than the allowed lateness, through
 * no fault of the client's. The rule (the metrics-service README, "Late data"):
 *
 * <p>Data recorded at {@code recordedAt} with event time {@code eventMs} is <em>suite-late</em>
 * when some outage {@code [start, end]} of this instance has
 * {@code start <= recordedAt <= end + grace} (recorded during the outage or within the grace after
 * it) and {@code eventMs >= creditStart - lateness}, where
 * {@code creditStart = max(start, min(end, recordedAt) - maxCredit)}: the data was still on time
 * when the suite began refusing, or when the last {@code maxCredit} of a longer outage began.
 *
 * <p>What a hostile client gains from it is bounded: only data recorded within an outage or its
 * grace, and at most {@code maxCredit + grace + lateness} old; such data goes into late parts of
 * closed buckets, which never re-page an alert already judged; and every use is counted (the
 * windows count what they take through it: {@code window_outage_excused_total}). The last
 * {@link #KEPT} outages are remembered (a flapping broker merges into one: an outage that begins
 * within the grace after the previous one extends it). An instance that restarts forgets them:
 * what it then receives is judged by the allowed lateness alone.
 *
 * <p>Plain Java, not thread-safe: one event loop owns it.
 */
public final class OutageCredit {
  /** Outages remembered; older ones have long left their grace. */
  static final int KEPT = 8;

  private record Outage(long start, long end) {
    boolean open() {
      return end == Long.MAX_VALUE;
    }
  }

  private final long latenessMs;
  private final long graceMs;
  private final long maxCreditMs;
  private final Deque<Outage> outages = new ArrayDeque<>();

  public OutageCredit(long latenessMs, long graceMs, long maxCreditMs) {
    if (latenessMs < 0 || graceMs < 0 || maxCreditMs < 0) {
      throw new IllegalArgumentException("lateness, grace and credit must not be negative");
    }
    this.latenessMs = latenessMs;
    this.graceMs = graceMs;
    this.maxCreditMs = maxCreditMs;
  }

  /** No outage is ever excused: the allowed lateness alone judges. */
  public static OutageCredit none() {
    return new OutageCredit(0, 0, 0);
  }

  /** Kafka stopped answering at {@code nowMs} (a no-op while an outage is open). */
  public void down(long nowMs) {
    Outage last = outages.peekLast();
    if (last != null && last.open()) {
      return;
    }
    if (last != null && nowMs - last.end() <= graceMs) {
      outages.pollLast();
      outages.addLast(new Outage(last.start(), Long.MAX_VALUE));
      return;
    }
    if (outages.size() == KEPT) {
      outages.pollFirst();
    }
    outages.addLast(new Outage(nowMs, Long.MAX_VALUE));
  }

  /** Kafka answers again at {@code nowMs} (a no-op when no outage is open). */
  public void up(long nowMs) {
    Outage last = outages.peekLast();
    if (last != null && last.open()) {
      outages.pollLast();
      outages.addLast(new Outage(last.start(), Math.max(last.start(), nowMs)));
    }
  }

  /** Whether an outage is open now. */
  public boolean down() {
    Outage last = outages.peekLast();
    return last != null && last.open();
  }

  /**
   * Whether data with event time {@code eventMs}, recorded by the suite at {@code recordedAtMs},
   * was made late by one of this instance's outages (see the class comment).
   */
  public boolean excuses(long eventMs, long recordedAtMs) {
    if (maxCreditMs == 0 || recordedAtMs - eventMs <= latenessMs) {
      return false; // on time by the ordinary rule: nothing to excuse
    }
    for (Outage o : outages) {
      long graceEnd = o.open() ? Long.MAX_VALUE : o.end() + graceMs;
      if (recordedAtMs < o.start() || recordedAtMs > graceEnd) {
        continue;
      }
      long creditStart = Math.max(o.start(), Math.min(o.end(), recordedAtMs) - maxCreditMs);
      if (eventMs >= creditStart - latenessMs) {
        return true;
      }
    }
    return false;
  }

  public long graceMs() {
    return graceMs;
  }

  public long maxCreditMs() {
    return maxCreditMs;
  }
}
