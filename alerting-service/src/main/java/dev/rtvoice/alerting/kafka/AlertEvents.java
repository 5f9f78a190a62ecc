package dev.rtvoice.alerting.kafka;

import dev.rtvoice.alerting.delivery.AlertNotice;
import dev.rtvoice.alerting.domain.LabelSet;
import dev.rtvoice.alerting.domain.RestoredAlert;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * {@code alert.firing} / {@code alert.resolved} on {@code realtime.alerts} (docs/events.md): key =
 * fingerprint; payload {@code alertname}, {@code fingerprint}, {@code status}, {@code labels},
 * {@code annotations}, {@code starts_at_ms}, {@code ends_at_ms} (resolved only), {@code value}. The
 * envelope's {@code occurred_at} is the event time of the change.
 */
public final class AlertEvents {
  public static final String SOURCE = "alerting-service";

  private AlertEvents() {}

  public static EventEnvelope toEvent(AlertNotice notice, Instant recordedAt) {
    JsonObject payload = new JsonObject()
        .put("alertname", notice.alertname())
        .put("fingerprint", notice.fingerprint())
        .put("status", notice.status().wireName())
        .put("labels", json(notice.labels()))
        .put("annotations", json(notice.annotations()))
        .put("starts_at_ms", notice.startsAtMs());
    if (!notice.firing()) {
      payload.put("ends_at_ms", notice.endsAtMs());
    }
    // JSON has no NaN: an alert restored without a measurement has no value yet
    payload.put("value", Double.isFinite(notice.value()) ? notice.value() : null);
    Instant occurred = Instant.ofEpochMilli(notice.firing() ? notice.startsAtMs() : notice.endsAtMs());
    EventType type = notice.firing() ? EventType.ALERT_FIRING : EventType.ALERT_RESOLVED;
    return new EventEnvelope(eventId(notice), type, type.currentVersion(), null, occurred, recordedAt, SOURCE,
        payload);
  }

  /**
   * The same transition has the same id whichever instance publishes it (they judge the same panes):
   * a reader that deduplicates by {@code event_id} sees one firing and one resolution per alert.
   */
  static UUID eventId(AlertNotice notice) {
    String name = "alert|" + notice.fingerprint() + "|" + notice.status().wireName() + "|" + notice.startsAtMs()
        + "|" + notice.endsAtMs();
    return UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Whether the event says the alert is firing; {@link InvalidEventException} for other types. */
  public static boolean firing(EventEnvelope event) {
    if (event.type() == EventType.ALERT_FIRING) {
      return true;
    }
    if (event.type() == EventType.ALERT_RESOLVED) {
      return false;
    }
    throw new InvalidEventException("type", "not an alert event: " + event.type());
  }

  /** The alert an {@code alert.firing} event describes, strictly decoded. */
  public static RestoredAlert restored(EventEnvelope event) {
    JsonObject p = event.payloadView();
    String alertname = text(p, "alertname");
    Map<String, String> labels = strings(p, "labels");
    if (!alertname.equals(labels.get("alertname"))) {
      throw new InvalidEventException("payload.labels.alertname", "must equal alertname");
    }
    Map<String, String> annotations = strings(p, "annotations");
    if (!(p.getValue("starts_at_ms") instanceof Number starts)) {
      throw new InvalidEventException("payload.starts_at_ms", "must be a number");
    }
    Object value = p.getValue("value");
    double v = value instanceof Number n ? n.doubleValue() : Double.NaN;
    return new RestoredAlert(alertname, LabelSet.of(labels), annotations, starts.longValue(), v);
  }

  public static String fingerprint(EventEnvelope event) {
    return text(event.payloadView(), "fingerprint");
  }

  private static String text(JsonObject p, String field) {
    if (!(p.getValue(field) instanceof String s) || s.isEmpty()) {
      throw new InvalidEventException("payload." + field, "must be a non-empty string");
    }
    return s;
  }

  private static Map<String, String> strings(JsonObject p, String field) {
    if (!(p.getValue(field) instanceof JsonObject o)) {
      throw new InvalidEventException("payload." + field, "must be an object");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : o) {
      if (!(e.getValue() instanceof String s)) {
        throw new InvalidEventException("payload." + field + "." + e.getKey(), "must be a string");
      }
      out.put(e.getKey(), s);
    }
    return out;
  }

  private static JsonObject json(Map<String, String> map) {
    JsonObject out = new JsonObject();
    new TreeMap<>(map).forEach(out::put);
    return out;
  }
}
