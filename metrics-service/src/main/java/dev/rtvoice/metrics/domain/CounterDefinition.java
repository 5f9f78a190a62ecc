package dev.rtvoice.metrics.domain;

import java.util.List;

/**
 * One counter of docs/events.md ("realtime.metrics.windows"): the event type it counts and the
 * payload fields that become its labels.
 *
 * @param metric the Prometheus name, ending in {@code _total}, also the metric name of its panes
 * @param eventType the wire name of the counted event type
 * @param labels payload fields copied into labels, in order
 * @param knownValues label values known up front (for the first label), so the counter shows 0
 *     before the first event instead of being absent
 * @param description the help text on {@code /metrics}
 */
public record CounterDefinition(String metric, String eventType, List<String> labels, List<String> knownValues,
                                String description) {
  public CounterDefinition {
    labels = List.copyOf(labels);
    knownValues = List.copyOf(knownValues);
  }

  /** The name without {@code _total}, which Prometheus clients add back to counters. */
  public String baseName() {
    return metric.endsWith("_total") ? metric.substring(0, metric.length() - "_total".length()) : metric;
  }
}
