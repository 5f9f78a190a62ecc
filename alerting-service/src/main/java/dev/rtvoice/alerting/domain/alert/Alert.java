package dev.rtvoice.alerting.domain.alert;

import dev.rtvoice.alerting.domain.Fingerprint;
import dev.rtvoice.alerting.domain.LabelSet;

/**
 * One alert of a rule (rule + label set), as Prometheus' rule manager keeps it. Times are event time
 * in epoch milliseconds; {@code keepFiringSince} is {@link Long#MIN_VALUE} while the condition holds.
 * Mutable, owned by its rule's {@link AlertStateMachine}.
 */
public final class Alert {
  private final LabelSet labels;
  private final LabelSet groupLabels;
  private final long fingerprint;
  private AlertState state;
  private long activeAt;
  private long firedAt = Long.MIN_VALUE;
  private long keepFiringSince = Long.MIN_VALUE;
  private double value;
  private double threshold;
  private double samples;
  private boolean restored;
  private java.util.Map<String, String> restoredAnnotations;
  /** The last evaluation in which the condition held (see {@link AlertStateMachine}). */
  long stamp;

  Alert(LabelSet labels, LabelSet groupLabels, long activeAt) {
    this.labels = labels;
    this.groupLabels = groupLabels;
    this.fingerprint = Fingerprint.of(labels);
    this.activeAt = activeAt;
    this.state = AlertState.PENDING;
  }

  public LabelSet labels() {
    return labels;
  }

  /** The labels of the series group the alert is about (the rule's {@code by} labels). */
  public LabelSet groupLabels() {
    return groupLabels;
  }

  public long fingerprint() {
    return fingerprint;
  }

  public String fingerprintHex() {
    return Fingerprint.hex(fingerprint);
  }

  public AlertState state() {
    return state;
  }

  public long activeAt() {
    return activeAt;
  }

  public long firedAt() {
    return firedAt;
  }

  public long keepFiringSince() {
    return keepFiringSince;
  }

  public double value() {
    return value;
  }

  public double threshold() {
    return threshold;
  }

  public double samples() {
    return samples;
  }

  /** Whether this alert was restored from Kafka after a restart (its page already went out). */
  public boolean restored() {
    return restored;
  }

  /** The annotations an alert restored from Kafka carried, until it is measured again; else null. */
  public java.util.Map<String, String> restoredAnnotations() {
    return restoredAnnotations;
  }

  void measured(double value, double threshold, double samples) {
    this.restoredAnnotations = null;
    this.value = value;
    this.threshold = threshold;
    this.samples = samples;
  }

  void fire(long at) {
    state = AlertState.FIRING;
    firedAt = at;
  }

  void keepFiringSince(long at) {
    keepFiringSince = at;
  }

  static Alert restoredFiring(LabelSet labels, LabelSet groupLabels, long firedAt, double value,
                              java.util.Map<String, String> annotations) {
    Alert a = new Alert(labels, groupLabels, firedAt);
    a.restoredAnnotations = java.util.Map.copyOf(annotations);
    a.fire(firedAt);
    a.value = value;
    a.threshold = Double.NaN;
    a.samples = Double.NaN;
    a.restored = true;
    return a;
  }
}
