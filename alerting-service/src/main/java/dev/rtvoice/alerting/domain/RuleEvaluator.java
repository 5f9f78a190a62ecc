package dev.rtvoice.alerting.domain;

import dev.rtvoice.alerting.domain.alert.Alert;
import dev.rtvoice.alerting.domain.alert.AlertStateMachine;
import dev.rtvoice.alerting.domain.alert.Measurement;
import dev.rtvoice.alerting.domain.alert.Transition;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import dev.rtvoice.alerting.domain.rule.Threshold;
import dev.rtvoice.alerting.domain.rule.ValueExpr;
import dev.rtvoice.alerting.domain.rule.ViewSpec;
import dev.rtvoice.alerting.domain.window.GroupAcc;
import dev.rtvoice.alerting.domain.window.SketchBins;
import dev.rtvoice.alerting.domain.window.View;
import dev.rtvoice.alerting.domain.window.WindowStore;
import dev.rtvoice.common.metrics.WindowPane;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules over the metric windows: panes go in ({@link #ingest}), and {@link #evaluate()} judges
 * every rule whose input changed since it was last judged (a burst of panes costs one evaluation),
 * plus every rule with pending or firing alerts when event time moved (so {@code for} and
 * {@code keep_firing_for} elapse with the data). When the newest bucket changes, every view slides
 * and every rule is judged: that is the evaluation at each window close.
 *
 * <p>Plain Java, single-threaded, with the wall clock injected only for the future-skew guard: a
 * scenario of hours replays in milliseconds.
 */
public final class RuleEvaluator {
  private final WindowStore store;
  private final List<RuleRuntime> rules = new ArrayList<>();
  private final Map<String, RuleRuntime> byName = new LinkedHashMap<>();
  private final Map<QuantileKey, QuantileCache> quantiles = new HashMap<>();

  public RuleEvaluator(List<RuleSpec> specs, WindowStore.Settings settings, Clock wallClock) {
    List<ViewSpec> all = new ArrayList<>();
    specs.forEach(r -> all.addAll(r.views()));
    this.store = new WindowStore(all, settings, wallClock);
    for (RuleSpec spec : specs) {
      RuleRuntime rule = new RuleRuntime(spec, spec.views().stream().map(store::view).toArray(View[]::new));
      rules.add(rule);
      byName.put(spec.name(), rule);
    }
  }

  public WindowStore.Outcome ingest(WindowPane pane, long occurredAtMs) {
    return store.ingest(pane, occurredAtMs);
  }

  /** See {@link WindowStore#restoring(boolean)}. */
  public void restoring(boolean restoring) {
    store.restoring(restoring);
  }

  /** Moves event time without data (idle input); the next {@link #evaluate()} judges what is due. */
  public boolean advanceIdle(long eventTimeMs) {
    return store.advanceIdle(eventTimeMs);
  }

  public long eventTime() {
    return store.eventTime();
  }

  public long windowEnd() {
    return store.windowEnd();
  }

  public WindowStore store() {
    return store;
  }

  /** What one evaluation round did. */
  public record Evaluation(long eventTime, int rulesEvaluated, List<Transition> transitions) {}

  /** Judges every rule that is due at the current event time. */
  public Evaluation evaluate() {
    long ts = store.eventTime();
    if (ts == Long.MIN_VALUE) {
      return new Evaluation(ts, 0, List.of());
    }
    List<Transition> transitions = new ArrayList<>();
    int evaluated = 0;
    for (RuleRuntime rule : rules) {
      if (rule.due(ts)) {
        evaluated++;
        List<Measurement> measured = measure(rule);
        rule.record(ts, measured);
        transitions.addAll(rule.machine.evaluate(ts, measured));
      }
    }
    store.markJudged(ts);
    return new Evaluation(ts, evaluated, transitions);
  }

  /**
   * Takes back the alerts that were firing before a restart. Returns those no rule owns any more (the
   * rule was removed or its labels changed): the caller resolves them.
   */
  public List<RestoredAlert> restore(Collection<RestoredAlert> alerts) {
    List<RestoredAlert> orphans = new ArrayList<>();
    for (RestoredAlert a : alerts) {
      RuleRuntime rule = byName.get(a.alertname());
      String[] by = rule == null ? null : rule.spec.expr().by().toArray(String[]::new);
      if (rule == null || !rule.machine.restoreFiring(a.labels(), a.labels().project(by), a.startsAtMs(), a.value(),
          a.annotations())) {
        orphans.add(a);
      }
    }
    return orphans;
  }

  public List<RuleRuntime> rules() {
    return List.copyOf(rules);
  }

  /**
   * The earliest event time at which a pending alert's {@code for} elapses ({@link Long#MAX_VALUE}
   * when none is pending). Judged only when panes arrive, an alert would fire at the first pane
   * after that moment, up to a pane cadence late; the runtime re-judges at this moment instead, as
   * Prometheus' rule manager would at its next evaluation.
   */
  public long nextForDeadline() {
    long next = Long.MAX_VALUE;
    for (RuleRuntime rule : rules) {
      long forMs = rule.spec().forDuration().toMillis();
      if (forMs <= 0) {
        continue;
      }
      for (dev.rtvoice.alerting.domain.alert.Alert a : rule.alerts()) {
        if (a.state() == dev.rtvoice.alerting.domain.alert.AlertState.PENDING) {
          next = Math.min(next, a.activeAt() + forMs);
        }
      }
    }
    return next;
  }

  public RuleRuntime rule(String name) {
    return byName.get(name);
  }

  private List<Measurement> measure(RuleRuntime rule) {
    RuleSpec spec = rule.spec;
    ValueExpr expr = spec.expr();
    List<Measurement> out = new ArrayList<>();
    if (expr instanceof ValueExpr.Quantile q) {
      View view = rule.views[0];
      Map<LabelSet, Double> values = quantiles(view, q.q());
      for (Map.Entry<LabelSet, GroupAcc> e : view.groups().entrySet()) {
        double samples = e.getValue().sum();
        if (samples > 0) {
          out.add(judge(rule, e.getKey(), values.get(e.getKey()), samples));
        }
      }
    } else if (expr instanceof ValueExpr.Increase) {
      for (Map.Entry<LabelSet, GroupAcc> e : rule.views[0].groups().entrySet()) {
        double increase = e.getValue().sum();
        out.add(judge(rule, e.getKey(), increase, increase));
      }
    } else {
      View numerator = rule.views[0];
      for (Map.Entry<LabelSet, GroupAcc> e : rule.views[1].groups().entrySet()) {
        double denominator = e.getValue().sum();
        if (denominator > 0) {
          GroupAcc num = numerator.group(e.getKey());
          out.add(judge(rule, e.getKey(), (num == null ? 0 : num.sum()) / denominator, denominator));
        }
      }
    }
    return out;
  }

  private Measurement judge(RuleRuntime rule, LabelSet group, double value, double samples) {
    RuleSpec spec = rule.spec;
    double threshold;
    if (spec.threshold() instanceof Threshold.Baseline b) {
      View view = rule.views[rule.views.length - 1];
      if (store.dataSince() > store.windowEnd() - view.spec().spanMs()) {
        // the data does not reach back over the whole baseline yet: no judgement (as PromQL gives no
        // result for a range without samples), rather than a spike against a baseline of nothing
        threshold = Double.NaN;
      } else {
        GroupAcc baseline = view.group(group);
        threshold = b.factor() * b.scale() * (baseline == null ? 0 : baseline.sum());
      }
    } else {
      threshold = ((Threshold.Fixed) spec.threshold()).value();
    }
    boolean holds = samples >= spec.minSamples() && !Double.isNaN(value) && spec.op().holds(value, threshold);
    return new Measurement(group, value, threshold, samples, holds);
  }

  /** Quantiles of a view, computed once per view version and quantile however many rules read them. */
  private Map<LabelSet, Double> quantiles(View view, double q) {
    QuantileCache cache = quantiles.computeIfAbsent(new QuantileKey(view.spec(), q), k -> new QuantileCache());
    if (cache.version != view.version() || cache.values == null) {
      Map<LabelSet, Double> values = new HashMap<>(view.groups().size() * 2);
      for (Map.Entry<LabelSet, GroupAcc> e : view.groups().entrySet()) {
        values.put(e.getKey(), e.getValue().bins().quantile(q, SketchBins.MAPPING));
      }
      cache.values = values;
      cache.version = view.version();
    }
    return cache.values;
  }

  private record QuantileKey(ViewSpec view, double q) {}

  private static final class QuantileCache {
    long version = -1;
    Map<LabelSet, Double> values;
  }

  /** One rule at run time: its views, its alerts, and what its last evaluation measured. */
  public static final class RuleRuntime {
    private final RuleSpec spec;
    private final View[] views;
    private final long[] seenVersions;
    private final AlertStateMachine machine;
    private long lastEvaluatedAt = Long.MIN_VALUE;
    private long evaluations;
    private List<Measurement> lastMeasurements = List.of();

    RuleRuntime(RuleSpec spec, View[] views) {
      this.spec = spec;
      this.views = views;
      this.seenVersions = new long[views.length];
      java.util.Arrays.fill(seenVersions, -1);
      Map<String, String> labels = new LinkedHashMap<>(spec.labels());
      labels.put("alertname", spec.name());
      this.machine = new AlertStateMachine(spec.name(), spec.forDuration().toMillis(),
          spec.keepFiringFor().toMillis(), labels);
    }

    boolean due(long ts) {
      for (int i = 0; i < views.length; i++) {
        if (views[i].version() != seenVersions[i]) {
          return true;
        }
      }
      return ts > lastEvaluatedAt && machine.hasAlerts();
    }

    void record(long ts, List<Measurement> measured) {
      for (int i = 0; i < views.length; i++) {
        seenVersions[i] = views[i].version();
      }
      lastEvaluatedAt = ts;
      lastMeasurements = measured;
      evaluations++;
    }

    public RuleSpec spec() {
      return spec;
    }

    public Collection<Alert> alerts() {
      return machine.alerts();
    }

    /** Event time of the last evaluation, or {@link Long#MIN_VALUE}. */
    public long lastEvaluatedAt() {
      return lastEvaluatedAt;
    }

    public long evaluations() {
      return evaluations;
    }

    /** Every group measured at the last evaluation (holding or not). */
    public List<Measurement> lastMeasurements() {
      return lastMeasurements;
    }
  }
}
