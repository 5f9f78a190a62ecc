package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.metrics.domain.ClusterLatencyView.PaneHeader;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClusterLatencyViewTest {
  private static final long T0 = 1_800_000_000_000L;
  private static final long B = 10_000;
  private final ClusterLatencyView view = new ClusterLatencyView(Duration.ofHours(1));

  private static LatencySketch sketch(double value, int count) {
    LatencySketch s = new LatencySketch();
    for (int i = 0; i < count; i++) {
      s.record(value);
    }
    return s;
  }

  private boolean pane(String instance, Stage stage, long bucket, boolean fin, long version, double value, int count) {
    PaneHeader h = new PaneHeader(instance, stage.metricName(), T0 + bucket * B, T0 + (bucket + 1) * B, fin, version);
    return view.accept(h, () -> sketch(value, count));
  }

  private long count(Stage stage, Duration window) {
    return view.view(window).stage(stage).count();
  }

  @Test
  void theNewestPaneOfEachInstanceReplacesItsOlderOnesAndInstancesAdd() {
    assertThat(pane("a", Stage.UPLINK, 0, false, 1, 100, 3)).isTrue();
    assertThat(pane("a", Stage.UPLINK, 0, false, 2, 100, 5)).isTrue();
    assertThat(pane("a", Stage.UPLINK, 0, false, 1, 100, 50)).as("older version ignored").isFalse();
    assertThat(pane("b", Stage.UPLINK, 0, false, 1, 200, 4)).isTrue();
    assertThat(count(Stage.UPLINK, Duration.ofMinutes(1))).isEqualTo(9);
    assertThat(view.view(Duration.ofMinutes(1)).instances()).isEqualTo(2);

    assertThat(pane("a", Stage.UPLINK, 0, true, 3, 100, 6)).isTrue();
    assertThat(pane("a", Stage.UPLINK, 0, true, 3, 100, 6)).as("a final pane read twice counts once").isFalse();
    assertThat(pane("a", Stage.UPLINK, 0, false, 9, 100, 60)).as("nothing after final").isFalse();
    assertThat(count(Stage.UPLINK, Duration.ofMinutes(1))).isEqualTo(10);

    // a late instance's panes merge when they arrive
    assertThat(pane("c", Stage.UPLINK, 0, true, 7, 300, 2)).isTrue();
    assertThat(count(Stage.UPLINK, Duration.ofMinutes(1))).isEqualTo(12);
    assertThat(view.view(Duration.ofMinutes(1)).instances()).isEqualTo(3);
    assertThat(view.view(Duration.ofMinutes(1)).stage(Stage.UPLINK).max()).isCloseTo(300, org.assertj.core.data.Offset.offset(2.0));
  }

  @Test
  void viewsAreMergesOfTheirBucketsAndOldBucketsAreReleased() {
    for (long b = 0; b < 360; b++) { // an hour of buckets
      pane("a", Stage.FIRST_AUDIO, b, true, 1, 900, 1);
    }
    assertThat(count(Stage.FIRST_AUDIO, Duration.ofMinutes(1))).isEqualTo(6);
    assertThat(count(Stage.FIRST_AUDIO, Duration.ofMinutes(5))).isEqualTo(30);
    assertThat(count(Stage.FIRST_AUDIO, Duration.ofMinutes(15))).isEqualTo(90);
    assertThat(count(Stage.FIRST_AUDIO, Duration.ofHours(1))).isEqualTo(360);
    assertThat(count(Stage.CAPTURE, Duration.ofHours(1))).isZero();

    for (long b = 360; b < 1000; b++) {
      pane("a", Stage.FIRST_AUDIO, b, true, 1, 900, 1);
    }
    assertThat(view.bucketCount()).as("one hour of buckets, whatever ran before").isEqualTo(360);
    assertThat(pane("a", Stage.FIRST_AUDIO, 10, true, 1, 900, 1)).as("older than the retention").isFalse();
    assertThat(view.latestBucketEnd()).isEqualTo(T0 + 1000 * B);
  }

  @Test
  void earlyPanesAreDecodedOnlyWhenAViewNeedsThem() {
    AtomicInteger decoded = new AtomicInteger();
    for (long v = 1; v <= 50; v++) {
      PaneHeader h = new PaneHeader("a", Stage.CAPTURE.metricName(), T0, T0 + B, false, v);
      view.accept(h, () -> {
        decoded.incrementAndGet();
        return sketch(50, 1);
      });
    }
    assertThat(decoded).hasValue(0);
    view.view(Duration.ofMinutes(5));
    view.view(Duration.ofMinutes(5));
    assertThat(decoded).hasValue(1);
  }

  @Test
  void panesOfOtherMetricsAreIgnored() {
    PaneHeader counter = new PaneHeader("a", "interrupt_total", T0, T0 + B, false, 1);
    assertThat(view.accept(counter, LatencySketch::new)).isFalse();
    assertThat(view.view(Duration.ofMinutes(5)).instances()).isZero();
  }
}
