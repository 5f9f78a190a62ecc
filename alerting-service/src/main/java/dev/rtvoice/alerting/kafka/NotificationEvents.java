package dev.rtvoice.alerting.kafka;

import dev.rtvoice.alerting.delivery.WebhookDispatcher;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code alert.notified} on {@code realtime.alerts.notifications}: a webhook receiver took a group's
 * notification. Key = receiver and group key; payload {@code instance} (who sent it),
 * {@code receiver}, {@code group_key}, {@code firing} and {@code resolved} (fingerprints the receiver
 * got), {@code notified_at_ms}. Bounded by what one instance writes: fingerprints are 16 hex digits,
 * a group holds the alerts of one rule's label values.
 */
public final class NotificationEvents {
  /** One record of the log, as read back. */
  public record Record(String instance, String receiver, WebhookDispatcher.Notified notified) {}

  private NotificationEvents() {}

  public static String key(String receiver, String groupKey) {
    return receiver + "|" + groupKey;
  }

  public static EventEnvelope toEvent(String instance, String receiver, WebhookDispatcher.Notified n,
                                      Instant recordedAt) {
    JsonObject payload = new JsonObject()
        .put("instance", instance)
        .put("receiver", receiver)
        .put("group_key", n.groupKey())
        .put("firing", new JsonArray(new java.util.ArrayList<>(new TreeSet<>(n.firing()))))
        .put("resolved", new JsonArray(new java.util.ArrayList<>(new TreeSet<>(n.resolved()))))
        .put("notified_at_ms", n.at());
    return EventEnvelope.create(EventType.ALERT_NOTIFIED, null, Instant.ofEpochMilli(n.at()), recordedAt,
        AlertEvents.SOURCE, payload);
  }

  /** Strictly decoded; {@link InvalidEventException} names the field that is wrong. */
  public static Record fromEvent(EventEnvelope event) {
    if (event.type() != EventType.ALERT_NOTIFIED) {
      throw new InvalidEventException("type", "expected " + EventType.ALERT_NOTIFIED.wireName() + ", got "
          + event.type().wireName());
    }
    JsonObject p = event.payloadView();
    if (!(p.getValue("notified_at_ms") instanceof Number at)) {
      throw new InvalidEventException("payload.notified_at_ms", "must be a number");
    }
    return new Record(text(p, "instance"), text(p, "receiver"), new WebhookDispatcher.Notified(
        text(p, "group_key"), fingerprints(p, "firing"), fingerprints(p, "resolved"), at.longValue()));
  }

  private static String text(JsonObject p, String field) {
    if (!(p.getValue(field) instanceof String s) || s.isEmpty()) {
      throw new InvalidEventException("payload." + field, "must be a non-empty string");
    }
    return s;
  }

  private static Set<String> fingerprints(JsonObject p, String field) {
    if (!(p.getValue(field) instanceof JsonArray a)) {
      throw new InvalidEventException("payload." + field, "must be an array");
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object o : a) {
      if (!(o instanceof String s) || s.isEmpty()) {
        throw new InvalidEventException("payload." + field, "must hold fingerprints (strings)");
      }
      out.add(s);
    }
    return out;
  }
}
