package dev.rtvoice.e2e.bench;

import java.util.Arrays;
import java.util.List;

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
   * only change when a sample arrives or leaves the range, so those are the moments checked.
   */
  static long holdsAt(List<Sample> samples, long rangeMs, double q, double threshold, int minSamples, long forMs) {
    long[] moments = samples.stream().flatMapToLong(s -> java.util.stream.LongStream.of(s.atMs(), s.atMs() + rangeMs))
        .sorted().distinct().toArray();
    long trueSince = -1;
    for (long t : moments) {
      // between two moments the condition is constant: if it held long enough before t, that is the moment
      if (trueSince >= 0 && t >= trueSince + forMs) {
        return trueSince + forMs;
      }
      long count = samples.stream().filter(s -> s.atMs() <= t && s.atMs() > t - rangeMs).count();
      boolean holds = count >= minSamples && quantile(samples, t, rangeMs, q) > threshold;
      if (holds && trueSince < 0) {
        trueSince = t;
      } else if (!holds) {
        trueSince = -1;
      }
    }
    return -1;
  }

  static double[] sortedValues(List<Sample> samples) {
    double[] v = samples.stream().mapToDouble(Sample::valueMs).toArray();
    Arrays.sort(v);
    return v;
  }
}
