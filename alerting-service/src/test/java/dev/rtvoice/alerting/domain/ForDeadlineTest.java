package dev.rtvoice.alerting.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.alerting.domain.alert.AlertState;
import dev.rtvoice.alerting.domain.alert.Transition.Kind;
import dev.rtvoice.alerting.testing.EvaluatorHarness;
import dev.rtvoice.alerting.testing.Panes;
import org.junit.jupiter.api.Test;

/**
 * The moment a pending alert's {@code for} elapses is known in advance; the runtime re-judges then
 * (advancing event time to it) instead of waiting for the next pane.
 */
class ForDeadlineTest {
  private static final String HELD = """
      rules:
        - alert: RestartsHeld
          expr: {increase: ice_restart_total, range: 5m}
          op: ">"
          threshold: 3
          for: 2m
          labels: {severity: page}
          annotations: {summary: "{{ $value }}"}
      """;

  @Test
  void nothingPendingHasNoDeadline() {
    EvaluatorHarness h = EvaluatorHarness.of(HELD);
    h.ingest(Panes.counter("ice_restart_total", h.bucket(0), 1));
    h.evaluate();
    assertThat(h.evaluator.nextForDeadline()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aPendingAlertFiresWhenItsForElapsesWithoutANewPane() {
    EvaluatorHarness h = EvaluatorHarness.of(HELD);
    h.ingest(Panes.counter("ice_restart_total", h.bucket(0), 5));
    h.evaluate();
    assertThat(h.evaluator.rule("RestartsHeld").alerts()).singleElement()
        .satisfies(a -> assertThat(a.state()).isEqualTo(AlertState.PENDING));
    long activeAt = h.evaluator.eventTime();
    long due = h.evaluator.nextForDeadline();
    assertThat(due).isEqualTo(activeAt + 120_000);

    // a moment before the deadline: still pending
    h.evaluator.advanceIdle(due - 1);
    h.evaluate();
    assertThat(h.of(Kind.FIRING)).isEmpty();

    // at the deadline, on the same data: firing, as Prometheus would at that evaluation
    h.evaluator.advanceIdle(due);
    h.evaluate();
    assertThat(h.of(Kind.FIRING)).singleElement().satisfies(t -> assertThat(t.rule()).isEqualTo("RestartsHeld"));
    assertThat(h.evaluator.nextForDeadline()).isEqualTo(Long.MAX_VALUE);
  }
}
