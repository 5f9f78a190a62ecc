package dev.rtvoice.metrics.domain;

import dev.rtvoice.common.metrics.LatencySketch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Judges a view against the budgets. First audio is roughly capture + uplink + inference + downlink
 * + playback; when its percentile is over budget, the part that contributes most to the overrun is
 * the one furthest over its own budget, in milliseconds (transport counts uplink and downlink
 * together, since the client cannot tell them apart when the network is the problem). Each part is
 * judged at the same percentile as the verdicts; parts without data are left out.
 */
public final class BudgetAnalyzer {
  /** The parts of first audio, in pipeline order. */
  public static final Map<String, List<Stage>> GROUPS = orderedGroups();

  private final LatencyBudgets budgets;

  public BudgetAnalyzer(LatencyBudgets budgets) {
    this.budgets = budgets;
  }

  private static Map<String, List<Stage>> orderedGroups() {
    Map<String, List<Stage>> groups = new java.util.LinkedHashMap<>();
    groups.put("capture", List.of(Stage.CAPTURE));
    groups.put("transport", List.of(Stage.UPLINK, Stage.DOWNLINK));
    groups.put("inference", List.of(Stage.INFERENCE));
    groups.put("playback", List.of(Stage.PLAYBACK));
    return java.util.Collections.unmodifiableMap(groups);
  }

  public BudgetReport analyze(ClusterLatencyView.View view) {
    double q = budgets.quantile();
    List<BudgetReport.StageReport> stages = new ArrayList<>();
    for (Stage stage : Stage.all()) {
      LatencySketch sketch = view.stage(stage);
      long count = sketch == null ? 0 : sketch.count();
      BudgetRange budget = budgets.range(stage).orElse(null);
      double p50 = count == 0 ? Double.NaN : sketch.quantile(0.5);
      double p95 = count == 0 ? Double.NaN : sketch.quantile(0.95);
      double p99 = count == 0 ? Double.NaN : sketch.quantile(0.99);
      BudgetReport.Verdict verdict;
      if (count == 0) {
        verdict = BudgetReport.Verdict.NO_DATA;
      } else if (budget == null) {
        verdict = BudgetReport.Verdict.NO_BUDGET;
      } else {
        verdict = sketch.quantile(q) > budget.maxMs() ? BudgetReport.Verdict.OVER : BudgetReport.Verdict.WITHIN;
      }
      stages.add(new BudgetReport.StageReport(stage, count, p50, p95, p99, budget, verdict));
    }

    List<BudgetReport.GroupReport> groups = new ArrayList<>();
    for (Map.Entry<String, List<Stage>> group : GROUPS.entrySet()) {
      double value = 0;
      double budget = 0;
      boolean any = false;
      for (Stage stage : group.getValue()) {
        LatencySketch sketch = view.stage(stage);
        BudgetRange range = budgets.range(stage).orElse(null);
        if (sketch != null && !sketch.isEmpty() && range != null) {
          value += sketch.quantile(q);
          budget += range.maxMs();
          any = true;
        }
      }
      if (any) {
        groups.add(new BudgetReport.GroupReport(group.getKey(), group.getValue(), value, budget, value - budget));
      }
    }

    String bottleneck = null;
    BudgetReport.StageReport firstAudio = stages.get(Stage.FIRST_AUDIO.ordinal());
    if (firstAudio.verdict() == BudgetReport.Verdict.OVER) {
      BudgetReport.GroupReport worst = null;
      for (BudgetReport.GroupReport g : groups) {
        if (worst == null || g.overMs() > worst.overMs()) {
          worst = g;
        }
      }
      bottleneck = worst == null ? null : worst.group();
    }
    return new BudgetReport(view.windowStartMs(), view.windowEndMs(), view.instances(), q, stages, groups, bottleneck);
  }
}
