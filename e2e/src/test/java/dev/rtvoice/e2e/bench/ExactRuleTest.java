package dev.rtvoice.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.e2e.bench.ExactRule.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sliding judge of the benchmark agrees with the rule's definition, evaluated naively. */
class ExactRuleTest {
  private static final double Q = 0.95;

  @Test
  void holdsAtAgreesWithTheDefinitionOnShiftingRandomSamples() {
    for (long seed = 1; seed <= 6; seed++) {
      List<Sample> samples = shifting(new Random(seed), 600, 400, 15_000);
      long fast = ExactRule.holdsAt(samples, 20_000, Q, 1500, 20, 8_000);
      assertThat(fast).as("seed %d", seed).isEqualTo(naiveHoldsAt(samples, 20_000, Q, 1500, 20, 8_000))
          .isPositive();
    }
  }

  @Test
  void holdsAtAgreesWhenTheConditionFlapsAndWithTiesAndSharedTimestamps() {
    Random random = new Random(9);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      long at = 1_000L * (i / 3); // three samples share each timestamp
      double value = (i / 60) % 2 == 0 ? 1000 : 1500 + random.nextInt(3); // flaps, many equal values
      samples.add(new Sample(at, value));
    }
    for (long forMs : new long[] {0, 5_000, 15_000, 60_000}) {
      assertThat(ExactRule.holdsAt(samples, 10_000, Q, 1500, 5, forMs)).as("for %d", forMs)
          .isEqualTo(naiveHoldsAt(samples, 10_000, Q, 1500, 5, forMs));
    }
  }

  @Test
  void neverHoldsBelowTheThresholdOrWithTooFewSamples() {
    List<Sample> low = shifting(new Random(3), 300, 0, 100_000);
    assertThat(ExactRule.holdsAt(low, 20_000, Q, 5_000, 20, 1_000)).isEqualTo(-1);
    List<Sample> sparse = List.of(new Sample(0, 9_000), new Sample(1_000, 9_000));
    assertThat(ExactRule.holdsAt(sparse, 20_000, Q, 1500, 3, 0)).isEqualTo(-1);
    assertThat(ExactRule.holdsAt(List.of(), 20_000, Q, 1500, 0, 0)).isEqualTo(-1);
  }

  /** Log-normal samples, median 700 ms, then 1,100 ms after {@code shiftAtMs}, 10 per second in random order. */
  private static List<Sample> shifting(Random random, int count, int jitterMs, long shiftAtMs) {
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long at = i * 100L + (jitterMs == 0 ? 0 : random.nextInt(jitterMs));
      double median = at < shiftAtMs ? 700 : 1100;
      samples.add(new Sample(at, median * Math.exp(0.35 * random.nextGaussian())));
    }
    java.util.Collections.shuffle(samples, random);
    return samples;
  }

  /** The definition, checked at every moment a sample enters or leaves the range, by brute force. */
  private static long naiveHoldsAt(List<Sample> samples, long rangeMs, double q, double threshold, int minSamples,
                                   long forMs) {
    long[] moments = samples.stream()
        .flatMapToLong(s -> java.util.stream.LongStream.of(s.atMs(), s.atMs() + rangeMs)).sorted().distinct().toArray();
    long trueSince = -1;
    for (long t : moments) {
      if (trueSince >= 0 && t >= trueSince + forMs) {
        return trueSince + forMs;
      }
      long count = samples.stream().filter(s -> s.atMs() <= t && s.atMs() > t - rangeMs).count();
      boolean holds = count >= minSamples && ExactRule.quantile(samples, t, rangeMs, q) > threshold;
      if (holds && trueSince < 0) {
        trueSince = t;
      } else if (!holds) {
        trueSince = -1;
      }
    }
    return -1;
  }
}
