package dev.rtvoice.alerting.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.alerting.domain.window.BinSnapshot;
import dev.rtvoice.alerting.domain.window.LatencyBins;
import dev.rtvoice.alerting.domain.window.SketchBins;
import dev.rtvoice.common.metrics.LatencySketch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Windows of bin counts give exactly the quantiles of the merged sketches, and subtract cleanly. */
class LatencyBinsTest {
  private static final double[] QUANTILES = {0.01, 0.5, 0.9, 0.95, 0.99, 0.999};

  @Test
  void quantilesEqualThoseOfTheMergedSketch() {
    SplittableRandom random = new SplittableRandom(42);
    List<LatencySketch> parts = new ArrayList<>();
    List<Double> all = new ArrayList<>();
    // three instances x 30 buckets, log-normal latencies plus a few zeros and outliers
    for (int i = 0; i < 90; i++) {
      LatencySketch s = new LatencySketch();
      int n = random.nextInt(0, 40);
      for (int k = 0; k < n; k++) {
        double v = k == 0 && i % 17 == 0 ? 0 : Math.exp(6.5 + 0.6 * gaussian(random));
        v = Math.min(v, 120_000);
        s.record(v);
        all.add(v);
      }
      parts.add(s);
    }
    LatencySketch merged = new LatencySketch();
    LatencyBins bins = new LatencyBins();
    for (LatencySketch s : parts) {
      merged.merge(s);
      bins.add(SketchBins.of(s), +1);
    }
    assertThat(bins.count()).isEqualTo(merged.count()).isEqualTo(all.size());
    for (double q : QUANTILES) {
      assertThat(bins.quantile(q, SketchBins.MAPPING)).as("q=%s", q).isEqualTo(merged.quantile(q));
    }
    // and within DDSketch's bound of the exact value
    double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double exactP95 = sorted[(int) Math.floor(0.95 * (sorted.length - 1))];
    assertThat(bins.quantile(0.95, SketchBins.MAPPING)).isCloseTo(exactP95,
        org.assertj.core.data.Percentage.withPercentage(1));
  }

  @Test
  void subtractingWhatLeftTheWindowEqualsNeverHavingAddedIt() {
    SplittableRandom random = new SplittableRandom(7);
    LatencySketch kept = new LatencySketch();
    LatencySketch gone = new LatencySketch();
    for (int i = 0; i < 500; i++) {
      kept.record(50 + random.nextDouble() * 2000);
      gone.record(5000 + random.nextDouble() * 50_000);
    }
    LatencyBins window = new LatencyBins();
    BinSnapshot goneBins = SketchBins.of(gone);
    window.add(goneBins, +1);
    window.add(SketchBins.of(kept), +1);
    window.add(goneBins, -1);
    assertThat(window.count()).isEqualTo(500);
    for (double q : QUANTILES) {
      assertThat(window.quantile(q, SketchBins.MAPPING)).isEqualTo(kept.quantile(q));
    }
  }

  @Test
  void emptyWindowHasNoQuantile() {
    assertThat(new LatencyBins().quantile(0.95, SketchBins.MAPPING)).isNaN();
  }

  @Test
  void sketchesThatCannotBeLatenciesAreRefused() {
    LatencySketch negative = new LatencySketch();
    negative.record(-5);
    assertThatThrownBy(() -> SketchBins.of(negative)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("negative");
  }

  @Test
  void zeroSamplesCountAsZero() {
    LatencySketch s = new LatencySketch();
    for (int i = 0; i < 10; i++) {
      s.record(0);
    }
    s.record(100);
    BinSnapshot snapshot = SketchBins.of(s);
    assertThat(snapshot.zeroCount()).isEqualTo(10);
    assertThat(snapshot.total()).isEqualTo(11);
    assertThat(Arrays.stream(snapshot.counts()).sum()).isEqualTo(1);
    LatencyBins bins = new LatencyBins();
    bins.add(snapshot, 1);
    assertThat(bins.quantile(0.5, SketchBins.MAPPING)).isEqualTo(s.quantile(0.5)).isZero();
    assertThat(bins.quantile(0.99, SketchBins.MAPPING)).isEqualTo(s.quantile(0.99));
  }

  static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }
}
