package dev.rtvoice.alerting.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.alerting.domain.alert.Alert;
import dev.rtvoice.alerting.domain.alert.AlertState;
import dev.rtvoice.alerting.domain.alert.AlertStateMachine;
import dev.rtvoice.alerting.domain.alert.Measurement;
import dev.rtvoice.alerting.domain.alert.Transition;
import dev.rtvoice.alerting.domain.alert.Transition.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Prometheus' alerting-rule state machine, on event time. */
class AlertStateMachineTest {
  private static final LabelSet WEB = LabelSet.of("platform", "web");
  private static final LabelSet IOS = LabelSet.of("platform", "ios");

  private static List<Measurement> holds(LabelSet... groups) {
    return java.util.Arrays.stream(groups).map(g -> new Measurement(g, 2000, 1500, 50, true)).toList();
  }

  private static List<Measurement> none() {
    return List.of(new Measurement(WEB, 900, 1500, 50, false));
  }

  private static AlertStateMachine machine(long forMs, long keepMs) {
    return new AlertStateMachine("P95High", forMs, keepMs, Map.of("alertname", "P95High", "severity", "page"));
  }

  @Test
  void forHoldsTheAlertPendingUntilItsDurationHasPassed() {
    AlertStateMachine m = machine(120_000, 0);
    assertThat(m.evaluate(1_000_000, holds(WEB))).isEmpty();
    Alert alert = m.alerts().iterator().next();
    assertThat(alert.state()).isEqualTo(AlertState.PENDING);
    assertThat(alert.activeAt()).isEqualTo(1_000_000);
    assertThat(alert.labels()).isEqualTo(LabelSet.of("alertname", "P95High", "severity", "page", "platform", "web"));
    assertThat(m.evaluate(1_119_999, holds(WEB))).isEmpty();
    List<Transition> fired = m.evaluate(1_120_000, holds(WEB));
    assertThat(fired).singleElement().satisfies(t -> {
      assertThat(t.kind()).isEqualTo(Kind.FIRING);
      assertThat(t.at()).isEqualTo(1_120_000);
      assertThat(t.alert().firedAt()).isEqualTo(1_120_000);
    });
    // holding on: no new transition for an unchanged value
    assertThat(m.evaluate(1_130_000, holds(WEB))).isEmpty();
  }

  @Test
  void aPendingAlertThatStopsHoldingIsDroppedWithoutNotice() {
    AlertStateMachine m = machine(120_000, 0);
    m.evaluate(0, holds(WEB));
    assertThat(m.evaluate(110_000, none())).isEmpty();
    assertThat(m.alerts()).isEmpty();
    // holding again starts the for duration over
    m.evaluate(120_000, holds(WEB));
    assertThat(m.evaluate(230_000, holds(WEB))).isEmpty();
    assertThat(m.evaluate(240_000, holds(WEB))).extracting(Transition::kind).containsExactly(Kind.FIRING);
  }

  @Test
  void withoutForAnAlertFiresAtItsFirstEvaluationAndResolvesWhenItStopsHolding() {
    AlertStateMachine m = machine(0, 0);
    assertThat(m.evaluate(5_000, holds(WEB, IOS))).extracting(Transition::kind).containsExactly(Kind.FIRING,
        Kind.FIRING);
    List<Transition> resolved = m.evaluate(15_000, holds(IOS));
    assertThat(resolved).singleElement().satisfies(t -> {
      assertThat(t.kind()).isEqualTo(Kind.RESOLVED);
      assertThat(t.at()).isEqualTo(15_000);
      assertThat(t.alert().groupLabels()).isEqualTo(WEB);
    });
    assertThat(m.alerts()).extracting(Alert::groupLabels).containsExactly(IOS);
  }

  @Test
  void keepFiringForHoldsAFiringAlertAfterItsConditionCleared() {
    AlertStateMachine m = machine(0, 60_000);
    m.evaluate(0, holds(WEB));
    assertThat(m.evaluate(10_000, none())).isEmpty();
    assertThat(m.alerts().iterator().next().keepFiringSince()).isEqualTo(10_000);
    assertThat(m.evaluate(69_999, none())).isEmpty();
    // holding again within keep_firing_for clears the clock: no resolution, no new page
    assertThat(m.evaluate(75_000, holds(WEB))).isEmpty();
    assertThat(m.alerts().iterator().next().keepFiringSince()).isEqualTo(Long.MIN_VALUE);
    assertThat(m.evaluate(80_000, none())).isEmpty();
    assertThat(m.evaluate(139_999, none())).isEmpty();
    assertThat(m.evaluate(140_000, none())).extracting(Transition::kind).containsExactly(Kind.RESOLVED);
    assertThat(m.alerts()).isEmpty();
  }

  @Test
  void keepFiringForDoesNotApplyToPendingAlerts() {
    AlertStateMachine m = machine(60_000, 600_000);
    m.evaluate(0, holds(WEB));
    m.evaluate(30_000, none());
    assertThat(m.alerts()).isEmpty();
  }

  @Test
  void aFiringAlertReportsValueChangesSoReceiversGetFreshAnnotations() {
    AlertStateMachine m = machine(0, 0);
    m.evaluate(0, holds(WEB));
    List<Transition> updated = m.evaluate(10_000, List.of(new Measurement(WEB, 2500, 1500, 60, true)));
    assertThat(updated).singleElement().satisfies(t -> {
      assertThat(t.kind()).isEqualTo(Kind.UPDATED);
      assertThat(t.alert().value()).isEqualTo(2500);
      assertThat(t.alert().firedAt()).isZero();
    });
  }

  @Test
  void aRestoredFiringAlertNeitherFiresAgainNorForgetsToResolve() {
    AlertStateMachine m = machine(120_000, 0);
    LabelSet labels = m.alertLabels(WEB);
    assertThat(m.restoreFiring(labels, WEB, 500_000, 1800, Map.of("summary", "p95 1800 ms"))).isTrue();
    Alert restored = m.alerts().iterator().next();
    assertThat(restored.state()).isEqualTo(AlertState.FIRING);
    assertThat(restored.restoredAnnotations()).containsEntry("summary", "p95 1800 ms");
    // still holding after the restart: stays firing, no transition (no double page)
    assertThat(m.evaluate(900_000, holds(WEB))).extracting(Transition::kind).containsExactly(Kind.UPDATED);
    assertThat(m.alerts().iterator().next().firedAt()).isEqualTo(500_000);
    // then it clears: resolved
    assertThat(m.evaluate(910_000, none())).extracting(Transition::kind).containsExactly(Kind.RESOLVED);
  }

  @Test
  void aRestoredAlertWhoseLabelsTheRuleNoLongerProducesIsRefused() {
    AlertStateMachine m = machine(0, 0);
    assertThat(m.restoreFiring(LabelSet.of("alertname", "P95High", "severity", "ticket", "platform", "web"), WEB, 0,
        1, Map.of())).isFalse();
    assertThat(m.alerts()).isEmpty();
  }
}
