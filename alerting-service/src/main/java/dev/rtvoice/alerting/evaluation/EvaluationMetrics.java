package dev.rtvoice.alerting.evaluation;

import dev.rtvoice.alerting.domain.RuleEvaluator;
import dev.rtvoice.alerting.domain.alert.Alert;
import dev.rtvoice.alerting.domain.alert.AlertState;
import dev.rtvoice.alerting.domain.alert.Transition;
import dev.rtvoice.alerting.domain.window.WindowStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The evaluator's figures in {@code /metrics}. Gauges read values the evaluator published after its last
 * evaluation (volatile fields), never the evaluator's own maps, which belong to its thread.
 */
final class EvaluationMetrics {
  private final MeterRegistry registry;
  private final Map<WindowStore.Outcome, Counter> panes = new EnumMap<>(WindowStore.Outcome.class);
  private final Map<String, Counter> transitions = new ConcurrentHashMap<>();
  private final Counter evaluations;
  private final Counter rulesEvaluated;
  private final Timer evaluationTime;
  private volatile int firing;
  private volatile int pending;
  private volatile long eventTime = Long.MIN_VALUE;
  private volatile long windows;

  EvaluationMetrics(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    for (WindowStore.Outcome o : WindowStore.Outcome.values()) {
      panes.put(o, Counter.builder("alerting_panes_total")
          .description("Window panes by what became of them (accepted, stale, late, expired, future, ...)")
          .tag("outcome", o.name().toLowerCase()).register(registry));
    }
    evaluations = Counter.builder("alerting_evaluations_total")
        .description("Evaluation rounds (a burst of panes costs one)").register(registry);
    rulesEvaluated = Counter.builder("alerting_rule_evaluations_total")
        .description("Rules judged, over all rounds").register(registry);
    evaluationTime = Timer.builder("alerting_evaluation_seconds")
        .description("Duration of one evaluation round").publishPercentileHistogram().register(registry);
    Gauge.builder("alerting_alerts", () -> firing).tag("state", "firing")
        .description("Active alerts by state").register(registry);
    Gauge.builder("alerting_alerts", () -> pending).tag("state", "pending")
        .description("Active alerts by state").register(registry);
    Gauge.builder("alerting_event_time_seconds", () -> eventTime == Long.MIN_VALUE ? Double.NaN : eventTime / 1000.0)
        .description("Event time reached by the metric windows").register(registry);
    Gauge.builder("alerting_event_lag_seconds",
            () -> eventTime == Long.MIN_VALUE ? Double.NaN : (clock.millis() - eventTime) / 1000.0)
        .description("Wall clock minus event time (how far the windows are behind)").register(registry);
    Gauge.builder("alerting_window_buckets", () -> windows)
        .description("Metric buckets held for the rules' windows").register(registry);
  }

  void pane(WindowStore.Outcome outcome) {
    panes.get(outcome).increment();
  }

  void evaluated(RuleEvaluator evaluator, RuleEvaluator.Evaluation e, long nanos) {
    evaluations.increment();
    rulesEvaluated.increment(e.rulesEvaluated());
    evaluationTime.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    refresh(evaluator);
  }

  void refresh(RuleEvaluator evaluator) {
    int f = 0;
    int p = 0;
    for (RuleEvaluator.RuleRuntime rule : evaluator.rules()) {
      for (Alert a : rule.alerts()) {
        if (a.state() == AlertState.FIRING) {
          f++;
        } else {
          p++;
        }
      }
    }
    firing = f;
    pending = p;
    eventTime = evaluator.eventTime();
    windows = evaluator.store().bucketCount();
  }

  void transition(Transition t) {
    String key = t.rule() + "|" + t.kind();
    transitions.computeIfAbsent(key, k -> Counter.builder("alerting_transitions_total")
        .description("Alerts that started firing or resolved")
        .tag("alertname", t.rule()).tag("to", t.kind().name().toLowerCase()).register(registry)).increment();
  }
}
