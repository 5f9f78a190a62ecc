package dev.rtvoice.alerting.domain;

import static dev.rtvoice.alerting.testing.Panes.latency;
import static dev.rtvoice.alerting.testing.Panes.repeat;
import static dev.rtvoice.alerting.testing.Panes.sketch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.alerting.domain.alert.AlertState;
import dev.rtvoice.alerting.domain.alert.Transition;
import dev.rtvoice.alerting.domain.alert.Transition.Kind;
import dev.rtvoice.alerting.domain.window.WindowStore.Outcome;
import dev.rtvoice.alerting.testing.EvaluatorHarness;
import dev.rtvoice.alerting.testing.Panes;
import dev.rtvoice.common.metrics.LatencySketch;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

/**
 * Alert timing in the domain: rules judge the early panes of the open bucket as they come, instance by
 * instance, on the merged view; a pane's newer versions replace the older ones; the minimum sample
 * count still guards quantile rules.
 */
class EarlyPanesTest {
  private static final String FAST_P95 = """
      rules:
        - alert: FirstAudioP95Now
          expr: {quantile: 0.95, stage: first_audio, range: 5m}
          threshold: 1500
          min_samples: 20
          labels: {severity: page}
          annotations: {summary: "p95 {{ $value | ms }}"}
      """;

  @Test
  void anEarlyPaneFiresARuleBeforeItsBucketCloses() {
    EvaluatorHarness h = EvaluatorHarness.defaults();
    h.ingest(Panes.counter("sessions_started_total", h.bucket(0), 1));
    h.evaluate();
    // the open bucket 1's first early pane already carries the rotation failure
    h.ingest(Panes.counter("m1", "session_rotate_fail_total", h.bucket(1), 1, false, Map.of("reason", "circuit_open"),
        1));
    List<Transition> fired = h.evaluate();
    assertThat(fired).singleElement().satisfies(t -> {
      assertThat(t.kind()).isEqualTo(Kind.FIRING);
      assertThat(t.rule()).isEqualTo("SessionRotationFailed");
    });
    // later versions of the same pane neither fire again nor add up
    h.ingest(Panes.counter("m1", "session_rotate_fail_total", h.bucket(1), 2, false, Map.of("reason", "circuit_open"),
        2));
    h.ingest(Panes.counter("m1", "session_rotate_fail_total", h.bucket(1), 3, true, Map.of("reason", "circuit_open"),
        2));
    h.evaluate();
    assertThat(h.of(Kind.FIRING)).hasSize(1);
    assertThat(h.evaluator.rule("SessionRotationFailed").lastMeasurements().get(0).value()).isEqualTo(2);
  }

  @Test
  void aFewEarlySamplesCannotFireAQuantileRule() {
    EvaluatorHarness h = EvaluatorHarness.of(FAST_P95);
    // early panes with growing versions: 5, then 12, then 19 very slow samples
    for (int version = 1; version <= 3; version++) {
      int n = version == 1 ? 5 : version == 2 ? 12 : 19;
      assertThat(h.ingest(latency("m1", "first_audio", h.bucket(0), version, false, Map.of("platform", "web"),
          sketch(repeat(9000, n))))).isEqualTo(Outcome.ACCEPTED);
      h.evaluate();
      assertThat(h.evaluator.rule("FirstAudioP95Now").lastMeasurements().get(0).samples()).isEqualTo(n);
    }
    assertThat(h.transitions).isEmpty();
    // the 20th sample, still in an early pane, lets it judge: it fires at once (no for)
    h.ingest(latency("m1", "first_audio", h.bucket(0), 4, false, Map.of("platform", "web"), sketch(repeat(9000, 20))));
    h.evaluate();
    assertThat(h.of(Kind.FIRING)).singleElement()
        .satisfies(t -> assertThat(t.alert().value()).isCloseTo(9000, Percentage.withPercentage(1)));
  }

  @Test
  void instancesAreMergedForTheSameBucketAndLateOnesJoinWithinTheGrace() {
    EvaluatorHarness h = EvaluatorHarness.of(FAST_P95);
    // instance A alone: 100 fast samples; p95 fast
    LatencySketch a = sketch(repeat(700, 100));
    h.ingest(latency("mA", "first_audio", h.bucket(0), 1, true, Map.of("platform", "web"), a));
    h.evaluate();
    assertThat(h.transitions).isEmpty();
    // instance B's pane for the same bucket arrives a minute later (after newer buckets): merged
    for (int n = 1; n <= 6; n++) {
      h.ingest(latency("mA", "first_audio", h.bucket(n), 1, true, Map.of("platform", "web"), sketch(700)));
      h.evaluate();
    }
    LatencySketch b = sketch(repeat(4000, 20));
    assertThat(h.ingest(latency("mB", "first_audio", h.bucket(0), 1, true, Map.of("platform", "ios"), b)))
        .isEqualTo(Outcome.ACCEPTED);
    h.evaluate();
    LatencySketch merged = a.copy();
    merged.merge(b);
    for (int n = 1; n <= 6; n++) {
      merged.merge(sketch(700));
    }
    assertThat(h.of(Kind.FIRING)).singleElement().satisfies(t -> {
      assertThat(t.alert().value()).isEqualTo(merged.quantile(0.95));
      assertThat(t.alert().samples()).isEqualTo(126);
    });
  }

  @Test
  void aRuleWithPendingAlertsIsJudgedWhenEventTimeMovesEvenIfItsDataDidNot() {
    EvaluatorHarness h = EvaluatorHarness.of("""
        rules:
          - alert: RotationFailing
            expr: {increase: session_rotate_fail_total, range: 5m}
            threshold: 0
            for: 5s
            labels: {severity: page}
            annotations: {summary: "{{ $value }}"}
        """);
    // an early pane whose data reaches 1 s into its bucket: pending since then
    h.evaluator.ingest(Panes.counter("m1", "session_rotate_fail_total", h.bucket(0), 1, false, Map.of(), 1),
        h.bucket(0) + 1_000);
    h.evaluate();
    assertThat(h.evaluator.rule("RotationFailing").alerts()).singleElement()
        .satisfies(a -> assertThat(a.state()).isEqualTo(AlertState.PENDING));
    // another metric's early pane of the same bucket moves event time 6 s on; the rule's data did not change
    h.evaluator.ingest(Panes.counter("m1", "sessions_started_total", h.bucket(0), 1, false, Map.of(), 3),
        h.bucket(0) + 7_000);
    assertThat(h.evaluate()).singleElement().satisfies(t -> {
      assertThat(t.kind()).isEqualTo(Kind.FIRING);
      assertThat(t.at()).isEqualTo(h.bucket(0) + 7_000);
    });
  }

  @Test
  void aBurstOfPanesCostsOneEvaluationPerRule() {
    EvaluatorHarness h = EvaluatorHarness.defaults();
    for (int version = 1; version <= 50; version++) {
      h.ingest(Panes.counter("m1", "interrupt_total", h.bucket(0), version, false, Map.of(), version));
      h.ingest(Panes.counter("m2", "interrupt_total", h.bucket(0), version, false, Map.of(), version));
    }
    RuleEvaluator.Evaluation first = h.evaluator.evaluate();
    // every default rule once, however many panes came
    assertThat(first.rulesEvaluated()).isEqualTo(h.evaluator.rules().size()).isGreaterThanOrEqualTo(8);
    // nothing changed since: nothing to judge
    assertThat(h.evaluator.evaluate().rulesEvaluated()).isZero();
    // a pane of one metric wakes only the rule that reads it (same bucket: no slide)
    h.ingest(Panes.counter("m1", "interrupt_total", h.bucket(0), 51, false, Map.of(), 51));
    assertThat(h.evaluator.evaluate().rulesEvaluated()).isEqualTo(1);
  }
}
