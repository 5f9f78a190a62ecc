package dev.rtvoice.alerting.kafka;

import dev.rtvoice.alerting.delivery.WebhookDispatcher;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.AlertNotifiedCodec;
import dev.rtvoice.common.event.payload.AlertNotifiedPayload;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * {@code alert.notified} on {@code realtime.alerts.notifications}: a webhook receiver took a group's
 * notification. Key = receiver and group key; the payload is {@link AlertNotifiedCodec}'s. Bounded by
 * what one instance writes: fingerprints are 16 hex digits, a group holds the alerts of one rule's
 * label values.
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
    JsonObject payload = AlertNotifiedCodec.encode(
        new AlertNotifiedPayload(instance, receiver, n.groupKey(), n.firing(), n.resolved(), n.at()));
    return EventEnvelope.create(EventType.ALERT_NOTIFIED, null, Instant.ofEpochMilli(n.at()), recordedAt,
        AlertEvents.SOURCE, payload);
  }

  /** Strictly decoded; {@link InvalidEventException} names the field that is wrong. */
  public static Record fromEvent(EventEnvelope event) {
    if (event.type() != EventType.ALERT_NOTIFIED) {
      throw new InvalidEventException("type", "expected " + EventType.ALERT_NOTIFIED.wireName() + ", got "
          + event.type().wireName());
    }
    AlertNotifiedPayload p = AlertNotifiedCodec.decode(event.payloadView());
    return new Record(p.instance(), p.receiver(),
        new WebhookDispatcher.Notified(p.groupKey(), p.firing(), p.resolved(), p.notifiedAtMs()));
  }
}
