package dev.rtvoice.alerting.domain.rule;

/** What a rule's value is compared with. */
public sealed interface Threshold {

  /** A constant. */
  record Fixed(double value) implements Threshold {}

  /**
   * {@code factor} times the average increase, per rule range, over the {@code view} that precedes the
   * rule's own window (for example the hour before the last 15 minutes): a comparison with the
   * metric's own recent past.
   *
   * @param scale the rule's range over the baseline's range, to turn the baseline's increase into an
   *     average increase per rule range
   */
  record Baseline(ViewSpec view, double factor, double scale) implements Threshold {}
}
