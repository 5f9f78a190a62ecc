package dev.rtvoice.metrics.domain;

import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * @param closedLabels labels whose values form a closed set: any other value becomes {@link #OTHER},
 *     so a producer's new or malformed value cannot add series
 * @param onlyWhen payload field and value an event must carry to be counted (e.g. {@code session.ended}
 *     with reason {@code abandoned}); empty to count every event of the type
 */
public record CounterDefinition(String metric, String eventType, List<String> labels, List<String> knownValues,
                                String description, Map<String, Set<String>> closedLabels,
                                Map<String, String> onlyWhen) {
  /** The label value of anything outside a closed set. */
  public static final String OTHER = "other";

  public CounterDefinition {
    labels = List.copyOf(labels);
    knownValues = List.copyOf(knownValues);
    closedLabels = Map.copyOf(closedLabels);
    onlyWhen = Map.copyOf(onlyWhen);
  }

  /** A counter whose labels take whatever (label-safe) value the payload carries, capped per label. */
  public CounterDefinition(String metric, String eventType, List<String> labels, List<String> knownValues,
                           String description) {
    this(metric, eventType, labels, knownValues, description, Map.of(), Map.of());
  }

  /** The name without {@code _total}, which Prometheus clients add back to counters. */
  public String baseName() {
    return metric.endsWith("_total") ? metric.substring(0, metric.length() - "_total".length()) : metric;
  }

  /** The label value of a payload value: itself if the label is open or the value is in its closed set. */
  public String boundedValue(String label, String value) {
    Set<String> closed = closedLabels.get(label);
    return closed == null || closed.contains(value) ? value : OTHER;
  }

  /**
   * The label sets shown at 0 before the first event, so rules and dashboards see the counter at
   * once: the unlabelled series, the first label's known values, or every combination of closed sets.
   */
  public List<Map<String, String>> initialLabelSets() {
    if (labels.isEmpty()) {
      return List.of(Map.of());
    }
    if (labels.size() == 1) {
      return knownValues.stream().map(v -> Map.of(labels.get(0), v)).toList();
    }
    List<Map<String, String>> sets = new java.util.ArrayList<>(List.of(Map.of()));
    for (String label : labels) {
      Set<String> closed = closedLabels.get(label);
      if (closed == null) {
        return List.of();
      }
      List<Map<String, String>> next = new java.util.ArrayList<>();
      for (Map<String, String> partial : sets) {
        for (String value : new java.util.TreeSet<>(closed)) {
          Map<String, String> grown = new java.util.LinkedHashMap<>(partial);
          grown.put(label, value);
          next.add(grown);
        }
      }
      sets = next;
    }
    return sets;
  }

  /** Whether an event with these payload values is counted. */
  public boolean counts(Map<String, Object> payload) {
    for (Map.Entry<String, String> condition : onlyWhen.entrySet()) {
      if (!condition.getValue().equals(payload.get(condition.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
