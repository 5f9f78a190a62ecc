package dev.rtvoice.metrics.domain;

/**
 * A stage's latency budget: {@code targetMs} is what a good call sees, {@code maxMs} the most the
 * budget allows; the verdict compares the judged percentile with {@code maxMs}.
 */
public record BudgetRange(double targetMs, double maxMs) {
  public BudgetRange {
    if (!(targetMs >= 0) || !(maxMs >= targetMs)) {
      throw new IllegalArgumentException("a budget range needs 0 <= target <= max, got " + targetMs + "-" + maxMs);
    }
  }

  @Override
  public String toString() {
    return fmt(targetMs) + "-" + fmt(maxMs) + "ms";
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
