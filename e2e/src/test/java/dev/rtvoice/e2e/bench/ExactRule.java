package dev.rtvoice.e2e.bench;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The rule judged on the raw samples, with no windows, buckets or sketches in between: the p95 of
 * every sample in the trailing range, and the first moment the condition has held for the whole
 * {@code for} duration. That moment is when a perfect system would page.
 */
final class ExactRule {
  record Sample(long atMs, double valueMs) {}

  private ExactRule() {}

  /**
   * The quantile of the samples in {@code (atMs - rangeMs, atMs]} (lower rank, q*(n-1), the
   * convention of the suite's DDSketch), or NaN when there are none.
   */
  static double quantile(List<Sample> samples, long atMs, long rangeMs, double q) {
    double[] values = samples.stream().filter(s -> s.atMs() <= atMs && s.atMs() > atMs - rangeMs)
        .mapToDouble(Sample::valueMs).sorted().toArray();
    if (values.length == 0) {
      return Double.NaN;
    }
    return values[(int) Math.floor(q * (values.length - 1))];
  }

  /**
   * The first moment at which {@code quantile > threshold} (with at least {@code minSamples}) has
   * held continuously for {@code forMs}; -1 if it never does within the samples. The condition can
   * only change when a sample arrives or leaves the range, so those are the moments checked. The
   * trailing range slides over the samples in time order with the values' ranks in a Fenwick tree,
   * so a run of hundreds of thousands of samples is judged in O(n log n).
   */
  static long holdsAt(List<Sample> samples, long rangeMs, double q, double threshold, int minSamples, long forMs) {
    Sample[] byTime = samples.toArray(Sample[]::new);
    Arrays.sort(byTime, Comparator.comparingLong(Sample::atMs));
    int n = byTime.length;
    // rank of each sample (by time index) among all values; ties broken by time index, so ranks are distinct
    Integer[] byValue = IntStream.range(0, n).boxed().toArray(Integer[]::new);
    Arrays.sort(byValue, Comparator.comparingDouble((Integer i) -> byTime[i].valueMs()).thenComparingInt(i -> i));
    int[] rankOf = new int[n];
    double[] valueAtRank = new double[n];
    for (int r = 0; r < n; r++) {
      rankOf[byValue[r]] = r;
      valueAtRank[r] = byTime[byValue[r]].valueMs();
    }
    long[] moments = Arrays.stream(byTime).flatMapToLong(s -> java.util.stream.LongStream.of(s.atMs(), s.atMs() + rangeMs))
        .sorted().distinct().toArray();
    RankCounts window = new RankCounts(n);
    int added = 0;
    int removed = 0;
    long trueSince = -1;
    for (long t : moments) {
      if (trueSince >= 0 && t >= trueSince + forMs) {
        return trueSince + forMs;
      }
      while (added < n && byTime[added].atMs() <= t) {
        window.add(rankOf[added++], 1);
      }
      while (removed < added && byTime[removed].atMs() <= t - rangeMs) {
        window.add(rankOf[removed++], -1);
      }
      int count = added - removed;
      boolean holds = count >= minSamples && count > 0
          && valueAtRank[window.kth((int) Math.floor(q * (count - 1)))] > threshold;
      if (holds && trueSince < 0) {
        trueSince = t;
      } else if (!holds) {
        trueSince = -1;
      }
    }
    return -1;
  }

  /** Counts per rank (a Fenwick tree): add or remove one rank, find the k-th smallest present. */
  private static final class RankCounts {
    private final int[] tree;
    private final int highBit;

    RankCounts(int size) {
      tree = new int[size + 1];
      highBit = size == 0 ? 0 : Integer.highestOneBit(size);
    }

    void add(int rank, int delta) {
      for (int i = rank + 1; i < tree.length; i += i & -i) {
        tree[i] += delta;
      }
    }

    /** The rank of the k-th (0-based) smallest present value. */
    int kth(int k) {
      int pos = 0;
      int remaining = k + 1;
      for (int step = highBit; step > 0; step >>= 1) {
        int next = pos + step;
        if (next < tree.length && tree[next] < remaining) {
          pos = next;
          remaining -= tree[next];
        }
      }
      return pos; // 1-based position pos + 1, so rank pos
    }
  }
}
