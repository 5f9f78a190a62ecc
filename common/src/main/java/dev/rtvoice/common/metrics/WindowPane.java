package dev.rtvoice.common.metrics;

import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One pane of one metric of one event-time bucket, as metrics-service publishes it on
 * {@code realtime.metrics.windows} (the payload of a {@code metrics.window} event, keyed by metric).
 * Early panes carry what the open bucket holds so far; the final pane is published when the
 * watermark passes the bucket's end. {@code paneVersion} grows with every pane of one instance and
 * bucket, so a reader keeps the newest pane per (instance, metric, bucket) and never counts twice;
 * merging across instances then gives global figures (sketches merge exactly).
 *
 * @param kind {@code latency}: each series has a sketch; {@code counter}: each series has the increase
 *     of the counter within the bucket
 */
public record WindowPane(
    String instanceId,
    String metric,
    Kind kind,
    Instant bucketStart,
    Instant bucketEnd,
    boolean finalPane,
    long paneVersion,
    List<Series> series) {

  /** Whether the series of a pane hold sketches or counter increases. */
  public enum Kind { LATENCY, COUNTER }

  /**
   * One label set of the metric.
   *
   * @param value the counter's increase within the bucket (counters), or the sample count (latency)
   * @param sketch the samples of the bucket (latency only)
   */
  public record Series(Map<String, String> labels, double value, LatencySketch sketch) {
    public Series {
      labels = Map.copyOf(labels);
    }
  }

  /**
   * Marks the instance id of a late part: data that reached a bucket after its final pane (the
   * suite's own delay, never the client's), published as a final pane of its own under
   * {@code <instance>#late-<n>} so that readers add it to the bucket instead of replacing anything.
   */
  public static final String LATE_PART_MARK = "#late-";

  public WindowPane {
    series = List.copyOf(series);
  }

  /** Whether this pane is a late part (see {@link #LATE_PART_MARK}). */
  public boolean latePart() {
    return instanceId.contains(LATE_PART_MARK);
  }

  /** The instance that published a pane, late parts included. */
  public static String publisher(String instanceId) {
    int mark = instanceId.indexOf(LATE_PART_MARK);
    return mark < 0 ? instanceId : instanceId.substring(0, mark);
  }

  public JsonObject toJson() {
    JsonArray out = new JsonArray();
    for (Series s : series) {
      JsonObject labels = new JsonObject();
      new TreeMap<>(s.labels()).forEach(labels::put);
      JsonObject json = new JsonObject().put("labels", labels).put("value", s.value());
      if (s.sketch() != null) {
        json.put("sketch", Base64.getEncoder().encodeToString(s.sketch().serialize()));
      }
      out.add(json);
    }
    return new JsonObject()
        .put("instance_id", instanceId)
        .put("metric", metric)
        .put("kind", kind.name().toLowerCase())
        .put("bucket_start_ms", bucketStart.toEpochMilli())
        .put("bucket_end_ms", bucketEnd.toEpochMilli())
        .put("pane", finalPane ? "final" : "early")
        .put("pane_version", paneVersion)
        .put("series", out);
  }

  /** Strict decoding; an {@link InvalidEventException} names the offending field. */
  public static WindowPane fromJson(JsonObject json) {
    String instance = text(json, "instance_id");
    String metric = text(json, "metric");
    Kind kind = switch (text(json, "kind")) {
      case "latency" -> Kind.LATENCY;
      case "counter" -> Kind.COUNTER;
      default -> throw new InvalidEventException("payload.kind", "must be latency or counter");
    };
    long start = integer(json, "bucket_start_ms");
    long end = integer(json, "bucket_end_ms");
    if (end <= start) {
      throw new InvalidEventException("payload.bucket_end_ms", "must be after bucket_start_ms");
    }
    boolean finalPane = switch (text(json, "pane")) {
      case "final" -> true;
      case "early" -> false;
      default -> throw new InvalidEventException("payload.pane", "must be early or final");
    };
    long version = integer(json, "pane_version");
    Object rawSeries = json.getValue("series");
    if (!(rawSeries instanceof JsonArray array)) {
      throw new InvalidEventException("payload.series", "must be an array");
    }
    List<Series> series = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      String field = "payload.series[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject s)) {
        throw new InvalidEventException(field, "must be an object");
      }
      if (!(s.getValue("labels") instanceof JsonObject labelsJson)) {
        throw new InvalidEventException(field + ".labels", "must be an object");
      }
      Map<String, String> labels = new TreeMap<>();
      for (Map.Entry<String, Object> e : labelsJson) {
        if (!(e.getValue() instanceof String v)) {
          throw new InvalidEventException(field + ".labels." + e.getKey(), "must be a string");
        }
        labels.put(e.getKey(), v);
      }
      if (!(s.getValue("value") instanceof Number value) || !Double.isFinite(value.doubleValue())) {
        throw new InvalidEventException(field + ".value", "must be a finite number");
      }
      LatencySketch sketch = null;
      if (kind == Kind.LATENCY) {
        if (!(s.getValue("sketch") instanceof String encoded)) {
          throw new InvalidEventException(field + ".sketch", "required for latency panes");
        }
        try {
          sketch = LatencySketch.deserialize(Base64.getDecoder().decode(encoded));
        } catch (IllegalArgumentException e) {
          throw new InvalidEventException(field + ".sketch", e.getMessage());
        }
      }
      series.add(new Series(labels, value.doubleValue(), sketch));
    }
    return new WindowPane(instance, metric, kind, Instant.ofEpochMilli(start), Instant.ofEpochMilli(end), finalPane,
        version, series);
  }

  private static String text(JsonObject json, String field) {
    if (!(json.getValue(field) instanceof String s) || s.isEmpty()) {
      throw new InvalidEventException("payload." + field, "must be a non-empty string");
    }
    return s;
  }

  private static long integer(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new InvalidEventException("payload." + field, "must be an integer");
    }
    return ((Number) value).longValue();
  }
}
