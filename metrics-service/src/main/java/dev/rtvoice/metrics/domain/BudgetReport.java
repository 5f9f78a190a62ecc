package dev.rtvoice.metrics.domain;

import java.util.List;

/**
 * The answer to "is the latency within budget, and if first audio is over, which stage is to blame?"
 *
 * @param stages one entry per stage, in pipeline order
 * @param groups the four parts of first audio: capture, transport (uplink + downlink), inference,
 *     playback, with how far each is over its budget
 * @param bottleneck the group that contributes most to a first-audio overrun; null when first audio
 *     is within budget or has no data
 */
public record BudgetReport(
    long windowStartMs,
    long windowEndMs,
    int instances,
    double quantile,
    List<StageReport> stages,
    List<GroupReport> groups,
    String bottleneck) {

  /** A stage's figures against its budget. */
  public enum Verdict {
    WITHIN, OVER, NO_DATA, NO_BUDGET;

    public String wireName() {
      return name().toLowerCase();
    }
  }

  /**
   * @param budget null when the stage has no budget
   * @param p50 NaN when there is no data (and likewise p95, p99)
   */
  public record StageReport(Stage stage, long count, double p50, double p95, double p99, BudgetRange budget,
                            Verdict verdict) {}

  /**
   * One part of first audio.
   *
   * @param valueMs sum of the judged percentile of its stages (those with data)
   * @param budgetMs sum of their budget maxima
   * @param overMs valueMs - budgetMs (negative: headroom)
   */
  public record GroupReport(String group, List<Stage> stages, double valueMs, double budgetMs, double overMs) {}

  public StageReport stage(Stage stage) {
    return stages.stream().filter(s -> s.stage() == stage).findFirst().orElseThrow();
  }
}
