package dev.rtvoice.alerting.testing;

import dev.rtvoice.alerting.config.RulesLoader;
import dev.rtvoice.alerting.domain.RuleEvaluator;
import dev.rtvoice.alerting.domain.alert.Transition;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import dev.rtvoice.alerting.domain.window.WindowStore;
import dev.rtvoice.common.metrics.WindowPane;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Drives an {@link RuleEvaluator} through a scenario in event time: buckets of panes, one evaluation
 * after each bucket's panes, every transition kept with its event time. Hours replay in milliseconds.
 */
public final class EvaluatorHarness {
  /** A scenario starts at a whole hour a day ago, so that no pane is in the future. */
  public final long t0 = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
  public final RuleEvaluator evaluator;
  /** Firing and resolved transitions, in order. */
  public final List<Transition> transitions = new ArrayList<>();
  /** Value changes of firing alerts. */
  public final List<Transition> updates = new ArrayList<>();
  public int evaluations;

  public EvaluatorHarness(List<RuleSpec> rules) {
    this.evaluator = new RuleEvaluator(rules, new WindowStore.Settings(120_000, 600_000), Clock.systemUTC());
  }

  public static EvaluatorHarness defaults() {
    return new EvaluatorHarness(RulesLoader.load(null));
  }

  public static EvaluatorHarness of(String yaml) {
    return new EvaluatorHarness(RulesLoader.parse(yaml, "test", false));
  }

  public long bucket(int n) {
    return Panes.bucketStart(t0, n);
  }

  /** Event time of the end of bucket {@code n}. */
  public long endOf(int n) {
    return bucket(n) + Panes.BUCKET_MS;
  }

  public WindowStore.Outcome ingest(WindowPane pane) {
    return evaluator.ingest(pane, pane.bucketEnd().toEpochMilli());
  }

  public List<Transition> evaluate() {
    RuleEvaluator.Evaluation e = evaluator.evaluate();
    evaluations++;
    for (Transition t : e.transitions()) {
      (t.kind() == Transition.Kind.UPDATED ? updates : transitions).add(t);
    }
    return e.transitions();
  }

  /** For each bucket in {@code [from, to)}: ingest its panes, then evaluate. */
  public void run(int from, int to, IntFunction<List<WindowPane>> panes) {
    for (int n = from; n < to; n++) {
      for (WindowPane p : panes.apply(n)) {
        ingest(p);
      }
      evaluate();
    }
  }

  public List<Transition> of(Transition.Kind kind) {
    return transitions.stream().filter(t -> t.kind() == kind).toList();
  }

  public List<Transition> of(Transition.Kind kind, String rule) {
    return transitions.stream().filter(t -> t.kind() == kind && t.rule().equals(rule)).toList();
  }
}
