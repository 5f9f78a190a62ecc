package dev.rtvoice.e2e.outage;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * {@code realtime.metrics.windows} read as every downstream reader of it is told to read it (the
 * alerting-service, the views): per (instance, metric, bucket) only the pane with the highest
 * {@code pane_version} counts, and those are summed over buckets and instances. For a counter a
 * series' value is its increase in the bucket; for a latency metric, its sample count.
 */
final class MergedWindows {
  private record PaneKey(String instance, String metric, long bucketStartMs) {}

  private final Map<PaneKey, JsonObject> newest = new HashMap<>();

  MergedWindows(List<JsonObject> records) {
    for (JsonObject record : records) {
      JsonObject pane = record.getJsonObject("payload");
      if (pane == null) {
        continue;
      }
      PaneKey key = new PaneKey(pane.getString("instance_id"), pane.getString("metric"),
          pane.getLong("bucket_start_ms"));
      JsonObject kept = newest.get(key);
      if (kept == null || pane.getLong("pane_version") > kept.getLong("pane_version")) {
        newest.put(key, pane);
      }
    }
  }

  /** The metric's total over every bucket and instance, of the series whose labels match. */
  long total(String metric, Predicate<JsonObject> labels) {
    double sum = 0;
    for (Map.Entry<PaneKey, JsonObject> e : newest.entrySet()) {
      if (!e.getKey().metric().equals(metric)) {
        continue;
      }
      for (Object s : e.getValue().getJsonArray("series")) {
        JsonObject series = (JsonObject) s;
        if (labels.test(series.getJsonObject("labels", new JsonObject()))) {
          sum += series.getDouble("value", 0.0);
        }
      }
    }
    return Math.round(sum);
  }

  /** The metric's total per bucket start (ms), over instances. */
  Map<Long, Long> totalsByBucket(String metric) {
    Map<Long, Double> sums = new TreeMap<>();
    for (Map.Entry<PaneKey, JsonObject> e : newest.entrySet()) {
      if (e.getKey().metric().equals(metric)) {
        for (Object s : e.getValue().getJsonArray("series")) {
          sums.merge(e.getKey().bucketStartMs(), ((JsonObject) s).getDouble("value", 0.0), Double::sum);
        }
      }
    }
    Map<Long, Long> out = new TreeMap<>();
    sums.forEach((k, v) -> out.put(k, Math.round(v)));
    return out;
  }

  /** The bucket length the panes carry (ms), or 0 before any pane. */
  long bucketMs() {
    return newest.values().stream().findFirst()
        .map(p -> p.getLong("bucket_end_ms") - p.getLong("bucket_start_ms")).orElse(0L);
  }

  long total(String metric) {
    return total(metric, l -> true);
  }

  /**
   * Per instance, how many (metric, bucket) pane sequences saw a version lower than one before it,
   * in topic order (a metric's panes share a key, so a partition: their order is the write order).
   */
  static Map<String, Long> versionRegressions(List<JsonObject> records) {
    Map<PaneKey, Long> last = new HashMap<>();
    Map<PaneKey, Boolean> regressed = new HashMap<>();
    for (JsonObject record : records) {
      JsonObject pane = record.getJsonObject("payload");
      if (pane == null) {
        continue;
      }
      PaneKey key = new PaneKey(pane.getString("instance_id"), pane.getString("metric"),
          pane.getLong("bucket_start_ms"));
      long version = pane.getLong("pane_version");
      Long before = last.put(key, version);
      if (before != null && version < before) {
        regressed.put(key, true);
      }
    }
    Map<String, Long> out = new TreeMap<>();
    regressed.keySet().forEach(k -> out.merge(k.instance(), 1L, Long::sum));
    return out;
  }

  /** Panes kept per instance: how many incarnations/instances contributed (for the report). */
  Map<String, Long> panesByInstance() {
    Map<String, Long> out = new TreeMap<>();
    newest.keySet().forEach(k -> out.merge(k.instance(), 1L, Long::sum));
    return out;
  }
}
