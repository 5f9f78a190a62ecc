package dev.rtvoice.console.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.console.domain.LatencyHistory.Outcome;
import dev.rtvoice.console.domain.LatencyHistory.Point;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Each stage's p95 per minute, merged over metrics-service instances from their panes. */
class LatencyHistoryTest {
  private static final long STEP = 60_000;
  private static final long B = 10_000;
  private static final long HOUR = 3_600_000;
  private static final String FA = "latency.first_audio";

  private static LatencySketch samples(double from, double to, int n) {
    LatencySketch s = new LatencySketch();
    for (int i = 0; i < n; i++) {
      s.record(from + (to - from) * i / Math.max(1, n - 1));
    }
    return s;
  }

  private static Outcome pane(LatencyHistory h, String instance, int bucket, boolean fin, long version,
                              LatencySketch sketch) {
    return h.accept(instance, FA, bucket * B, (bucket + 1) * B, fin, version, sketch);
  }

  @Test
  void aStepsP95IsThatOfTheMergedSamplesOfEveryInstanceNotAnAverageOfP95s() {
    LatencyHistory h = new LatencyHistory(STEP, HOUR, 100);
    // m1: 100 fast samples; m2: 100 slow ones. The merged p95 sits among the slow ones (~990 ms);
    // the average of the two p95s would be about 545 ms.
    pane(h, "m1", 0, true, 1, samples(90, 100, 100));
    pane(h, "m2", 1, true, 1, samples(900, 1000, 100));
    Point p = h.points("first_audio", 0, 1)[0];
    assertThat(p.count()).isEqualTo(200);
    assertThat(p.p95Ms()).isCloseTo(990, Offset.offset(10.0));
  }

  @Test
  void anEarlyPaneIsReplacedByItsNewerVersionAndAFinalPaneCountsOnceEvenReadTwice() {
    LatencyHistory h = new LatencyHistory(STEP, HOUR, 100);
    assertThat(pane(h, "m1", 0, false, 1, samples(100, 100, 5))).isEqualTo(Outcome.KEPT);
    assertThat(pane(h, "m1", 0, false, 2, samples(100, 100, 8))).isEqualTo(Outcome.KEPT);
    assertThat(pane(h, "m1", 0, false, 1, samples(100, 100, 50))).isEqualTo(Outcome.IGNORED); // older
    assertThat(h.points("first_audio", 0, 1)[0].count()).isEqualTo(8);
    assertThat(pane(h, "m1", 0, true, 3, samples(100, 100, 10))).isEqualTo(Outcome.KEPT);
    assertThat(h.points("first_audio", 0, 1)[0].count()).isEqualTo(10);
    // the feed restarted after a Kafka outage reads the topic again: nothing counts twice
    assertThat(pane(h, "m1", 0, false, 2, samples(100, 100, 8))).isEqualTo(Outcome.IGNORED);
    assertThat(pane(h, "m1", 0, true, 3, samples(100, 100, 10))).isEqualTo(Outcome.IGNORED);
    // a late part of the same bucket adds
    assertThat(pane(h, "m1#late-x-1", 0, true, 1, samples(100, 100, 4))).isEqualTo(Outcome.KEPT);
    assertThat(h.points("first_audio", 0, 1)[0].count()).isEqualTo(14);
    assertThat(h.instances()).containsExactly("m1");
  }

  @Test
  void bucketsFallIntoTheirMinuteAndStepsWithoutSamplesAreEmpty() {
    LatencyHistory h = new LatencyHistory(STEP, HOUR, 100);
    pane(h, "m1", 5, true, 1, samples(200, 200, 3)); // 50..60 s: minute 0
    pane(h, "m1", 6, true, 1, samples(400, 400, 2)); // 60..70 s: minute 1
    Point[] points = h.points("first_audio", 0, 3);
    assertThat(points[0].count()).isEqualTo(3);
    assertThat(points[1].count()).isEqualTo(2);
    assertThat(points[1].p95Ms()).isCloseTo(400, Offset.offset(2.0));
    assertThat(points[2].count()).isZero();
    assertThat(points[2].p95Ms()).isNaN();
    assertThat(h.points("uplink", 0, 3)[0].count()).isZero();
  }

  @Test
  void otherMetricsAreIgnoredAndStagesAreKeptApart() {
    LatencyHistory h = new LatencyHistory(STEP, HOUR, 100);
    assertThat(h.accept("m1", "latency.teleport", 0, B, true, 1, samples(1, 1, 1))).isEqualTo(Outcome.IGNORED);
    assertThat(h.accept("m1", "interrupt_total", 0, B, true, 1, samples(1, 1, 1))).isEqualTo(Outcome.IGNORED);
    assertThat(h.accept("m1", "latency.uplink", 0, B, true, 1, samples(30, 30, 2))).isEqualTo(Outcome.KEPT);
    assertThat(h.points("uplink", 0, 1)[0].count()).isEqualTo(2);
    assertThat(h.points("first_audio", 0, 1)[0].count()).isZero();
    assertThat(LatencyHistory.stageOf("latency.full_turn")).isEqualTo("full_turn");
    assertThat(LatencyHistory.stageOf(null)).isNull();
  }

  @Test
  void stepsOlderThanTheRetentionAreDroppedAndOldPanesRefusedOnArrival() {
    LatencyHistory h = new LatencyHistory(STEP, 10 * STEP, 100);
    pane(h, "m1", 0, true, 1, samples(100, 100, 1));
    pane(h, "m1", 6 * 30, true, 1, samples(100, 100, 1)); // 30 minutes later
    assertThat(h.stepCount()).isEqualTo(1);
    assertThat(h.points("first_audio", 0, 1)[0].count()).isZero();
    assertThat(pane(h, "m2", 1, true, 1, samples(100, 100, 1))).isEqualTo(Outcome.IGNORED);
    assertThat(h.stepCount()).isEqualTo(1);
  }

  @Test
  void aStepTakesAtMostTheBoundOfKeysHowEverManyInstancesPublish() {
    LatencyHistory h = new LatencyHistory(STEP, HOUR, 3);
    for (int i = 0; i < 3; i++) {
      assertThat(pane(h, "m" + i, 0, false, 1, samples(100, 100, 1))).isEqualTo(Outcome.KEPT);
    }
    assertThat(pane(h, "m9", 0, false, 1, samples(100, 100, 1))).isEqualTo(Outcome.REFUSED);
    // the instances already held still move on: a newer version and their final pane
    assertThat(pane(h, "m0", 0, false, 2, samples(100, 100, 2))).isEqualTo(Outcome.KEPT);
    assertThat(pane(h, "m0", 0, true, 3, samples(100, 100, 3))).isEqualTo(Outcome.KEPT);
    assertThat(h.points("first_audio", 0, 1)[0].count()).isEqualTo(5);
  }
}
