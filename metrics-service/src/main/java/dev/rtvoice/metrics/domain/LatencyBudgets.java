package dev.rtvoice.metrics.domain;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** The budget of each stage (full turn has none by default) and the percentile judged against it. */
public final class LatencyBudgets {
  private final EnumMap<Stage, BudgetRange> ranges;
  private final double quantile;

  public LatencyBudgets(Map<Stage, BudgetRange> ranges, double quantile) {
    if (!(quantile > 0 && quantile < 1)) {
      throw new IllegalArgumentException("quantile must be within (0, 1)");
    }
    this.ranges = ranges.isEmpty() ? new EnumMap<>(Stage.class) : new EnumMap<>(ranges);
    this.quantile = quantile;
  }

  /** The defaults, judged at p95. */
  public static LatencyBudgets defaults() {
    return new LatencyBudgets(defaultRanges(), 0.95);
  }

  public static Map<Stage, BudgetRange> defaultRanges() {
    EnumMap<Stage, BudgetRange> ranges = new EnumMap<>(Stage.class);
    ranges.put(Stage.CAPTURE, new BudgetRange(80, 150));
    ranges.put(Stage.UPLINK, new BudgetRange(80, 150));
    ranges.put(Stage.INFERENCE, new BudgetRange(250, 700));
    ranges.put(Stage.DOWNLINK, new BudgetRange(50, 120));
    ranges.put(Stage.PLAYBACK, new BudgetRange(80, 250));
    ranges.put(Stage.FIRST_AUDIO, new BudgetRange(800, 1500));
    return ranges;
  }

  public Optional<BudgetRange> range(Stage stage) {
    return Optional.ofNullable(ranges.get(stage));
  }

  public double quantile() {
    return quantile;
  }

  /** Every budget bound in milliseconds, ascending: where the Prometheus histogram puts its buckets. */
  public TreeSet<Double> boundsMs() {
    TreeSet<Double> bounds = new TreeSet<>();
    ranges.values().forEach(r -> {
      bounds.add(r.targetMs());
      bounds.add(r.maxMs());
    });
    return bounds;
  }
}
