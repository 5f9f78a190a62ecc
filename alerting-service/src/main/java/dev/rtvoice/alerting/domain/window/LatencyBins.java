package dev.rtvoice.alerting.domain.window;

import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import java.util.Arrays;

/**
 * Bin counts of a window of latency samples: the sum of the {@link BinSnapshot}s of every instance,
 * series and bucket inside the window. Snapshots are added when they enter the window and subtracted
 * when they leave it or are replaced by a newer pane. Counts are dense from the lowest index seen, which
 * keeps adding, subtracting and scanning for a quantile to plain array work.
 */
public final class LatencyBins {
  private static final long[] NONE = new long[0];

  private long zero;
  private long total;
  private int base;
  private long[] counts = NONE;

  public long count() {
    return total;
  }

  public void add(BinSnapshot bins, int sign) {
    int n = bins.indexes().length;
    if (n > 0) {
      ensureRange(bins.indexes()[0], bins.indexes()[n - 1]);
      for (int i = 0; i < n; i++) {
        counts[bins.indexes()[i] - base] += sign * bins.counts()[i];
      }
    }
    zero += sign * bins.zeroCount();
    total += sign * bins.total();
  }

  /**
   * The value at quantile {@code q}: DDSketch's rule (the first bin whose cumulative count exceeds
   * {@code q * (count - 1)}, reported at the bin's representative value), so that it equals the merged
   * sketch's answer; NaN when empty.
   */
  public double quantile(double q, IndexMapping mapping) {
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * (total - 1);
    double n = zero;
    if (n > rank) {
      return 0;
    }
    long[] c = counts;
    for (int i = 0; i < c.length; i++) {
      if (c[i] != 0 && (n += c[i]) > rank) {
        return mapping.value(base + i);
      }
    }
    // rounding can only leave us here with an inconsistent total; report the highest bin
    for (int i = c.length - 1; i >= 0; i--) {
      if (c[i] > 0) {
        return mapping.value(base + i);
      }
    }
    return 0;
  }

  private void ensureRange(int lo, int hi) {
    if (counts.length == 0) {
      // a little room on both sides: neighbouring buckets of one series tend to spread around
      base = lo - 16;
      counts = new long[hi - lo + 33];
      return;
    }
    int newBase = Math.min(base, lo);
    int newEnd = Math.max(base + counts.length, hi + 1);
    if (newBase == base && newEnd == base + counts.length) {
      return;
    }
    if (newBase < base) {
      newBase -= Math.max(16, (base - newBase) / 2);
    }
    if (newEnd > base + counts.length) {
      newEnd += Math.max(16, (newEnd - base - counts.length) / 2);
    }
    long[] grown = new long[newEnd - newBase];
    System.arraycopy(counts, 0, grown, base - newBase, counts.length);
    counts = grown;
    base = newBase;
  }

  @Override
  public String toString() {
    return "LatencyBins{total=" + total + ", zero=" + zero + ", span=" + counts.length + ", nonzero="
        + Arrays.stream(counts).filter(x -> x != 0).count() + "}";
  }
}
