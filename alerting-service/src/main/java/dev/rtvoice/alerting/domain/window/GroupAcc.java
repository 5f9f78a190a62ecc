package dev.rtvoice.alerting.domain.window;

/**
 * What one group of a view holds: the summed values (counter increases, or latency sample counts)
 * and, for latency views, the summed bins. {@code contributors} counts the (instance, series, bucket)
 * entries in it, so that a group whose data all left the window disappears.
 */
public final class GroupAcc {
  private double sum;
  private final LatencyBins bins;
  private int contributors;

  GroupAcc(boolean latency) {
    this.bins = latency ? new LatencyBins() : null;
  }

  void add(double value, BinSnapshot snapshot, int sign) {
    sum += sign * value;
    if (bins != null && snapshot != null) {
      bins.add(snapshot, sign);
    }
    contributors += sign;
  }

  boolean isEmpty() {
    return contributors <= 0;
  }

  /** The counter's increase over the view, or the number of latency samples in it. */
  public double sum() {
    return sum;
  }

  /** The merged latency samples (latency views only). */
  public LatencyBins bins() {
    return bins;
  }
}
