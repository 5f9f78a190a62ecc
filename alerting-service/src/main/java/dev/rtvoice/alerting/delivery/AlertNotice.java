package dev.rtvoice.alerting.delivery;

import java.util.Map;

/**
 * An alert as receivers get it: Alertmanager's model (labels, annotations, startsAt, endsAt,
 * generatorURL) plus its fingerprint. {@code startsAtMs} is when it started firing and
 * {@code endsAtMs} when it resolved (0 while firing), both event time.
 */
public record AlertNotice(
    Status status,
    String fingerprint,
    Map<String, String> labels,
    Map<String, String> annotations,
    long startsAtMs,
    long endsAtMs,
    double value,
    String generatorUrl) {

  public enum Status {
    FIRING, RESOLVED;

    public String wireName() {
      return name().toLowerCase();
    }
  }

  public AlertNotice {
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
  }

  public String alertname() {
    return labels.get("alertname");
  }

  public boolean firing() {
    return status == Status.FIRING;
  }
}
