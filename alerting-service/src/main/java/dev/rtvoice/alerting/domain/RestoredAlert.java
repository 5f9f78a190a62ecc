package dev.rtvoice.alerting.domain;

import java.util.Map;

/**
 * An alert that was firing when the service last stopped, as read back from {@code realtime.alerts}.
 *
 * @param startsAtMs when it started firing (event time)
 */
public record RestoredAlert(String alertname, LabelSet labels, Map<String, String> annotations, long startsAtMs,
                            double value) {
  public RestoredAlert {
    annotations = Map.copyOf(annotations);
  }
}
