package dev.rtvoice.common.event.payload;

import static dev.rtvoice.common.event.payload.Fields.array;
import static dev.rtvoice.common.event.payload.Fields.integer;
import static dev.rtvoice.common.event.payload.Fields.sorted;
import static dev.rtvoice.common.event.payload.Fields.text;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code metrics.window} payload (docs/events.md): a {@link WindowPane}, written by metrics-service
 * and read by metrics-service's own views, alerting-service and the console. Sketches travel as
 * Base64 of {@link LatencySketch#serialize()}.
 */
public final class WindowPaneCodec {
  private WindowPaneCodec() {}

  /**
   * What a pane is about, without its series: lets a reader that keeps only the newest pane per
   * (instance, metric, bucket) skip decoding sketches it would throw away.
   */
  public record Header(String instanceId, String metric, long bucketStartMs, long bucketEndMs, boolean finalPane,
                       long paneVersion) {}

  public static JsonObject encode(WindowPane pane) {
    JsonArray out = new JsonArray();
    for (WindowPane.Series s : pane.series()) {
      JsonObject json = new JsonObject().put("labels", sorted(s.labels())).put("value", s.value());
      if (s.sketch() != null) {
        json.put("sketch", Base64.getEncoder().encodeToString(s.sketch().serialize()));
      }
      out.add(json);
    }
    return new JsonObject()
        .put("instance_id", pane.instanceId())
        .put("metric", pane.metric())
        .put("kind", pane.kind().name().toLowerCase())
        .put("bucket_start_ms", pane.bucketStart().toEpochMilli())
        .put("bucket_end_ms", pane.bucketEnd().toEpochMilli())
        .put("pane", pane.finalPane() ? "final" : "early")
        .put("pane_version", pane.paneVersion())
        .put("series", out);
  }

  /** The pane of a {@code metrics.window} event; {@link InvalidEventException} for any other type. */
  public static WindowPane decode(EventEnvelope event) {
    if (event.type() != EventType.METRICS_WINDOW) {
      throw new InvalidEventException("type", "expected " + EventType.METRICS_WINDOW + ", got " + event.type());
    }
    return decode(event.payloadView());
  }

  /** The header alone, as strictly as {@link #decode(JsonObject)} reads it. */
  public static Header header(JsonObject json) {
    String instance = text(json, "instance_id");
    String metric = text(json, "metric");
    long start = integer(json, "bucket_start_ms");
    long end = integer(json, "bucket_end_ms");
    if (end <= start) {
      throw new InvalidEventException("payload.bucket_end_ms", "must be after bucket_start_ms");
    }
    return new Header(instance, metric, start, end, finalPane(json), integer(json, "pane_version"));
  }

  /** Strict decoding; an {@link InvalidEventException} names the offending field. */
  public static WindowPane decode(JsonObject json) {
    String instance = text(json, "instance_id");
    String metric = text(json, "metric");
    WindowPane.Kind kind = switch (text(json, "kind")) {
      case "latency" -> WindowPane.Kind.LATENCY;
      case "counter" -> WindowPane.Kind.COUNTER;
      default -> throw new InvalidEventException("payload.kind", "must be latency or counter");
    };
    long start = integer(json, "bucket_start_ms");
    long end = integer(json, "bucket_end_ms");
    if (end <= start) {
      throw new InvalidEventException("payload.bucket_end_ms", "must be after bucket_start_ms");
    }
    boolean finalPane = finalPane(json);
    long version = integer(json, "pane_version");
    JsonArray array = array(json, "series");
    List<WindowPane.Series> series = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      String field = "payload.series[" + i + "]";
      if (!(array.getValue(i) instanceof JsonObject s)) {
        throw new InvalidEventException(field, "must be an object");
      }
      if (!(s.getValue("labels") instanceof JsonObject labelsJson)) {
        throw new InvalidEventException(field + ".labels", "must be an object");
      }
      Map<String, String> labels = new TreeMap<>(Fields.strings(labelsJson, field + ".labels"));
      if (!(s.getValue("value") instanceof Number value) || !Double.isFinite(value.doubleValue())) {
        throw new InvalidEventException(field + ".value", "must be a finite number");
      }
      LatencySketch sketch = null;
      if (kind == WindowPane.Kind.LATENCY) {
        if (!(s.getValue("sketch") instanceof String encoded)) {
          throw new InvalidEventException(field + ".sketch", "required for latency panes");
        }
        try {
          sketch = LatencySketch.deserialize(Base64.getDecoder().decode(encoded));
        } catch (IllegalArgumentException e) {
          throw new InvalidEventException(field + ".sketch", e.getMessage());
        }
      }
      series.add(new WindowPane.Series(labels, value.doubleValue(), sketch));
    }
    return new WindowPane(instance, metric, kind, Instant.ofEpochMilli(start), Instant.ofEpochMilli(end), finalPane,
        version, series);
  }

  private static boolean finalPane(JsonObject json) {
    return switch (text(json, "pane")) {
      case "final" -> true;
      case "early" -> false;
      default -> throw new InvalidEventException("payload.pane", "must be early or final");
    };
  }
}
