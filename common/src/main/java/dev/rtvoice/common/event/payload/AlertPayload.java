package dev.rtvoice.common.event.payload;

import java.util.Map;

/**
 * The {@code alert.firing} / {@code alert.resolved} payload (docs/events.md).
 *
 * @param status {@code firing} or {@code resolved}
 * @param endsAtMs when it resolved; null while firing
 * @param value the measurement that moved the alert; NaN when there was none (an alert restored
 *     without a measurement), written as JSON null
 */
public record AlertPayload(String alertname, String fingerprint, String status, Map<String, String> labels,
                           Map<String, String> annotations, long startsAtMs, Long endsAtMs, double value) {
  public AlertPayload {
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
  }

  public boolean firing() {
    return AlertCodec.FIRING.equals(status);
  }
}
