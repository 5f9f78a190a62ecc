package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.testing.ManualClock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole path a sample takes: recorded into buckets, published as panes (JSON and back), merged
 * into a view. On a million samples, p95 and p99 stay within 1% of the exact value, and two
 * instances fed disjoint halves give, merged, exactly the figures of one instance fed everything.
 */
class SketchAccuracyTest {
  private static final int N = 1_000_000;
  private static final long T0 = 1_800_000_000_000L;
  private static final long SPAN_MS = Duration.ofMinutes(5).toMillis();

  private static DoubleSupplier distribution(String name, Random random) {
    return switch (name) {
      case "uniform" -> () -> 20 + random.nextDouble() * 2980;
      case "lognormal" -> () -> Math.exp(Math.log(900) + 0.6 * random.nextGaussian());
      case "bimodal" -> () -> random.nextDouble() < 0.7
          ? Math.max(0, 300 + 40 * random.nextGaussian())
          : Math.max(0, 1800 + 250 * random.nextGaussian());
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** The exact value at q, with DDSketch's rank convention (the lower value around q * (n - 1)). */
  private static double exact(double[] sorted, double q) {
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }

  private static void publishInto(WindowAggregator windows, ClusterLatencyView view) {
    PaneBatch batch = windows.collect();
    for (WindowPane pane : batch.panes()) {
      assertThat(view.accept(WindowPaneCodec.decode(WindowPaneCodec.encode(pane)))).isTrue(); // as it travels on Kafka
    }
    batch.commit();
  }

  @ParameterizedTest
  @ValueSource(strings = {"uniform", "lognormal", "bimodal"})
  void p95AndP99OfAMillionSamplesAreWithinOnePercentAndTwoInstancesMergeToTheSameFigures(String name) {
    Random random = new Random(name.hashCode());
    DoubleSupplier values = distribution(name, random);
    ManualClock clock = ManualClock.at(T0);
    WindowAggregator all = new WindowAggregator("all", WindowSettings.defaults(), clock);
    WindowAggregator half1 = new WindowAggregator("half-1", WindowSettings.defaults(), clock);
    WindowAggregator half2 = new WindowAggregator("half-2", WindowSettings.defaults(), clock);
    ClusterLatencyView single = new ClusterLatencyView(Duration.ofHours(1));
    ClusterLatencyView merged = new ClusterLatencyView(Duration.ofHours(1));
    double[] exact = new double[N];
    String[] platforms = {"web-chrome", "web-safari", "ios", "android"};

    for (int i = 0; i < N; i++) {
      long at = T0 + (long) i * SPAN_MS / N;
      clock.set(at);
      double v = values.getAsDouble();
      exact[i] = v;
      String platform = platforms[i & 3];
      all.recordLatency(Stage.FIRST_AUDIO, platform, v, at, at);
      (random.nextBoolean() ? half1 : half2).recordLatency(Stage.FIRST_AUDIO, platform, v, at, at);
      if (i % 50_000 == 0) {
        // early panes along the way, as the flusher would publish them
        publishInto(all, single);
        publishInto(half1, merged);
        publishInto(half2, merged);
      }
    }
    clock.set(T0 + SPAN_MS + Duration.ofMinutes(2).toMillis()); // idle: the watermark closes every bucket
    publishInto(all, single);
    publishInto(half1, merged);
    publishInto(half2, merged);
    assertThat(all.openBuckets() + half1.openBuckets() + half2.openBuckets()).isZero();

    Arrays.sort(exact);
    LatencySketch one = single.view(Duration.ofMinutes(5)).stage(Stage.FIRST_AUDIO);
    ClusterLatencyView.View twoView = merged.view(Duration.ofMinutes(5));
    LatencySketch two = twoView.stage(Stage.FIRST_AUDIO);
    assertThat(one.count()).isEqualTo(N);
    assertThat(two.count()).isEqualTo(N);
    assertThat(twoView.instances()).isEqualTo(2);
    for (double q : new double[] {0.5, 0.95, 0.99}) {
      assertThat(one.quantile(q)).as("%s p%s", name, q * 100).isCloseTo(exact(exact, q), withPercentage(1));
      assertThat(two.quantile(q)).as("merged halves, %s p%s", name, q * 100).isEqualTo(one.quantile(q));
    }
  }
}
