package dev.rtvoice.alerting.kafka;

import dev.rtvoice.alerting.delivery.AlertNotice;
import dev.rtvoice.alerting.domain.LabelSet;
import dev.rtvoice.alerting.domain.RestoredAlert;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.AlertCodec;
import dev.rtvoice.common.event.payload.AlertPayload;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;

/**
 * {@code alert.firing} / {@code alert.resolved} on {@code realtime.alerts} (docs/events.md): key =
 * fingerprint; the payload is {@link AlertCodec}'s. The envelope's {@code occurred_at} is the event
 * time of the change.
 */
public final class AlertEvents {
  public static final String SOURCE = "alerting-service";

  private AlertEvents() {}

  public static EventEnvelope toEvent(AlertNotice notice, Instant recordedAt) {
    JsonObject payload = AlertCodec.encode(new AlertPayload(notice.alertname(), notice.fingerprint(),
        notice.status().wireName(), notice.labels(), notice.annotations(), notice.startsAtMs(),
        notice.firing() ? null : notice.endsAtMs(), notice.value()));
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
    AlertPayload p = AlertCodec.decode(event.payloadView());
    return new RestoredAlert(p.alertname(), LabelSet.of(p.labels()), p.annotations(), p.startsAtMs(), p.value());
  }

  public static String fingerprint(EventEnvelope event) {
    return AlertCodec.fingerprint(event.payloadView());
  }
}
