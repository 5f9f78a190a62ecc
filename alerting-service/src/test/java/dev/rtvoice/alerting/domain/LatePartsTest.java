package dev.rtvoice.alerting.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.alerting.domain.alert.Transition.Kind;
import dev.rtvoice.alerting.domain.window.WindowStore.Outcome;
import dev.rtvoice.alerting.testing.EvaluatorHarness;
import dev.rtvoice.alerting.testing.Panes;
import dev.rtvoice.common.metrics.WindowPane;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Late parts: after an outage of the suite, metrics-service folds the delayed data into the buckets
 * it belongs to, as final panes of instance {@code <instance>#late-<n>}. A bucket the rules have
 * already judged stays judged: its late part never pages again, resolves, re-opens or updates an
 * alert. A bucket not judged yet takes the late part like any pane.
 */
class LatePartsTest {
  private static final String ICE_BURST = """
      rules:
        - alert: IceRestartBurst
          expr: {increase: ice_restart_total, range: 1m}
          op: ">"
          threshold: 2
          labels: {severity: page}
          annotations: {summary: "{{ $value }} ICE restarts"}
      """;

  private static WindowPane latePart(EvaluatorHarness h, int bucket, double increase) {
    return Panes.counter("m1" + WindowPane.LATE_PART_MARK + "k1-1", "ice_restart_total", h.bucket(bucket), 1, true,
        Map.of(), increase);
  }

  @Test
  void aLatePartForAJudgedBucketNeverPagesAgain() {
    EvaluatorHarness h = EvaluatorHarness.of(ICE_BURST);
    // bucket 0: 3 restarts, judged: one page
    h.ingest(Panes.counter("ice_restart_total", h.bucket(0), 3));
    h.evaluate();
    assertThat(h.of(Kind.FIRING)).hasSize(1);
    // the minute passes without restarts: resolved
    for (int b = 1; b <= 7; b++) {
      h.ingest(Panes.counter("ice_restart_total", h.bucket(b), 0));
      h.evaluate();
    }
    assertThat(h.of(Kind.RESOLVED)).hasSize(1);

    // the outage's backlog: restarts of buckets 6 and 7, judged already (today: merged, and the
    // 1-minute view holding them would fire a second page for the same incident)
    assertThat(h.ingest(latePart(h, 6, 2))).isEqualTo(Outcome.JUDGED);
    assertThat(h.ingest(latePart(h, 7, 5))).isEqualTo(Outcome.JUDGED);
    h.evaluate();
    h.ingest(Panes.counter("ice_restart_total", h.bucket(8), 0));
    h.evaluate();
    assertThat(h.of(Kind.FIRING)).hasSize(1);
    assertThat(h.of(Kind.RESOLVED)).hasSize(1);
    assertThat(h.updates).isEmpty();
    assertThat(h.evaluator.rule("IceRestartBurst").lastMeasurements().get(0).value()).isZero();
  }

  @Test
  void aLatePartNeverUpdatesAFiringAlertOfAJudgedWindow() {
    EvaluatorHarness h = EvaluatorHarness.of(ICE_BURST);
    h.ingest(Panes.counter("ice_restart_total", h.bucket(0), 3));
    h.evaluate();
    h.ingest(Panes.counter("ice_restart_total", h.bucket(1), 0));
    h.evaluate();
    assertThat(h.of(Kind.FIRING)).hasSize(1);
    assertThat(h.ingest(latePart(h, 0, 4))).isEqualTo(Outcome.JUDGED);
    h.evaluate();
    assertThat(h.updates).isEmpty();
    assertThat(h.evaluator.rule("IceRestartBurst").lastMeasurements().get(0).value()).isEqualTo(3);
  }

  @Test
  void aLatePartForABucketNotJudgedYetIsAddedLikeAnotherInstancesPane() {
    EvaluatorHarness h = EvaluatorHarness.of(ICE_BURST);
    h.ingest(Panes.counter("ice_restart_total", h.bucket(0), 1));
    h.ingest(Panes.counter("ice_restart_total", h.bucket(1), 1));
    // no evaluation has run over bucket 1 yet: its late part counts
    assertThat(h.ingest(latePart(h, 1, 2))).isEqualTo(Outcome.ACCEPTED);
    h.evaluate();
    assertThat(h.of(Kind.FIRING)).singleElement()
        .satisfies(t -> assertThat(t.alert().value()).isEqualTo(4));
    // the same part delivered again changes nothing
    assertThat(h.ingest(latePart(h, 1, 2))).isIn(Outcome.STALE, Outcome.JUDGED);
  }
}
