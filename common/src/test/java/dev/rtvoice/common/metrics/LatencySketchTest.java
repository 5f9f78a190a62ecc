package dev.rtvoice.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencySketchTest {

  private static double exact(double[] sorted, double q) {
    // the same rank convention as DDSketch: the lower of the two values around q * (n - 1)
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }

  @Test
  void quantilesStayWithinTheRelativeBoundAndMergingIsExact() {
    Random random = new Random(7);
    double[] values = new double[200_000];
    LatencySketch all = new LatencySketch();
    LatencySketch a = new LatencySketch();
    LatencySketch b = new LatencySketch();
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.exp(6.5 + 0.6 * random.nextGaussian());
      all.record(values[i]);
      (i % 2 == 0 ? a : b).record(values[i]);
    }
    a.merge(b);
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    for (double q : new double[] {0.5, 0.95, 0.99}) {
      assertThat(all.quantile(q)).isCloseTo(exact(sorted, q), org.assertj.core.data.Percentage.withPercentage(1));
      assertThat(a.quantile(q)).isEqualTo(all.quantile(q));
    }
    assertThat(a.count()).isEqualTo(values.length);
  }

  @Test
  void serializedSketchIsSmallAndRoundTrips() {
    LatencySketch sketch = new LatencySketch();
    Random random = new Random(1);
    for (int i = 0; i < 10_000; i++) {
      sketch.record(random.nextDouble() * 120_000);
    }
    byte[] bytes = sketch.serialize();
    assertThat(bytes.length).isLessThan(8 * 1024);
    LatencySketch back = LatencySketch.deserialize(bytes);
    assertThat(back.quantile(0.95)).isEqualTo(sketch.quantile(0.95));
    assertThat(back.count()).isEqualTo(10_000);
    assertThatThrownBy(() -> LatencySketch.deserialize(new byte[] {9, 1, 2})).isInstanceOf(IllegalArgumentException.class);
  }
}
