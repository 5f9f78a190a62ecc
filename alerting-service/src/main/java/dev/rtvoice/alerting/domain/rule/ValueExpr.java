package dev.rtvoice.alerting.domain.rule;

import java.util.List;

/** The value a rule compares with its threshold, per group of series. */
public sealed interface ValueExpr {

  /** Every view the expression reads. */
  List<ViewSpec> views();

  /** The {@code by} labels shared by the expression's views. */
  default List<String> by() {
    return views().get(0).by();
  }

  /** Quantile {@code q} of the merged latency samples of the view; its sample count is the number of samples. */
  record Quantile(double q, ViewSpec view) implements ValueExpr {
    @Override
    public List<ViewSpec> views() {
      return List.of(view);
    }
  }

  /** The increase of a counter over the view; its sample count is the increase itself. */
  record Increase(ViewSpec view) implements ValueExpr {
    @Override
    public List<ViewSpec> views() {
      return List.of(view);
    }
  }

  /**
   * Increase of the numerator over increase of the denominator, per group; no value where the
   * denominator did not move. Its sample count is the denominator's increase.
   */
  record Ratio(ViewSpec numerator, ViewSpec denominator) implements ValueExpr {
    @Override
    public List<ViewSpec> views() {
      return List.of(numerator, denominator);
    }
  }
}
