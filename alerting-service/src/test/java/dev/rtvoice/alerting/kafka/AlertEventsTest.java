package dev.rtvoice.alerting.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.alerting.delivery.AlertNotice;
import dev.rtvoice.alerting.delivery.WebhookDispatcher;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The two event types alerting-service writes: ids shared across instances, the notification log's strict codec. */
class AlertEventsTest {
  private static AlertNotice notice(AlertNotice.Status status, long startsAt, long endsAt) {
    return new AlertNotice(status, "5f1c0a3e9b2d7c44", Map.of("alertname", "A"), Map.of("summary", "s"), startsAt,
        endsAt, 1.0, "http://x/v1/rules/A");
  }

  @Test
  void twoInstancesPublishingTheSameTransitionGiveItTheSameEventIdAndOtherTransitionsOthers() {
    EventEnvelope one = AlertEvents.toEvent(notice(AlertNotice.Status.FIRING, 1_000, 0), Instant.ofEpochMilli(5));
    EventEnvelope other = AlertEvents.toEvent(notice(AlertNotice.Status.FIRING, 1_000, 0), Instant.ofEpochMilli(9));
    assertThat(other.eventId()).isEqualTo(one.eventId());
    assertThat(AlertEvents.toEvent(notice(AlertNotice.Status.RESOLVED, 1_000, 7_000), Instant.now()).eventId())
        .isNotEqualTo(one.eventId());
    // the same alert firing again later is a new transition
    assertThat(AlertEvents.toEvent(notice(AlertNotice.Status.FIRING, 60_000, 0), Instant.now()).eventId())
        .isNotEqualTo(one.eventId());
  }

  @Test
  void aNotificationRecordRoundTripsThroughTheCodec() {
    WebhookDispatcher.Notified n = new WebhookDispatcher.Notified("{}:{alertname=\"A\"}", Set.of("f2", "f1"),
        Set.of("f3"), 42);
    EventEnvelope event = EventCodec.decode(EventCodec.encode(NotificationEvents.toEvent("i-1", "webhook-1", n,
        Instant.now())));
    assertThat(event.type()).isEqualTo(EventType.ALERT_NOTIFIED);
    NotificationEvents.Record r = NotificationEvents.fromEvent(event);
    assertThat(r.instance()).isEqualTo("i-1");
    assertThat(r.receiver()).isEqualTo("webhook-1");
    assertThat(r.notified()).isEqualTo(n);
    assertThat(NotificationEvents.key("webhook-1", n.groupKey())).isEqualTo("webhook-1|{}:{alertname=\"A\"}");
  }

  @Test
  void aRecordWithAMissingOrMistypedFieldIsRefusedNamingIt() {
    JsonObject good = NotificationEvents.toEvent("i-1", "webhook-1",
        new WebhookDispatcher.Notified("g", Set.of("f1"), Set.of(), 1), Instant.now()).payload();
    assertThatThrownBy(() -> NotificationEvents.fromEvent(with(good.copy().put("firing", "f1"))))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("firing");
    assertThatThrownBy(() -> NotificationEvents.fromEvent(with(good.copy().put("resolved", new JsonArray().add(3)))))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("fingerprints");
    JsonObject noReceiver = good.copy();
    noReceiver.remove("receiver");
    assertThatThrownBy(() -> NotificationEvents.fromEvent(with(noReceiver)))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("receiver");
    assertThatThrownBy(() -> NotificationEvents.fromEvent(with(good.copy().put("notified_at_ms", "soon"))))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("notified_at_ms");
    assertThatThrownBy(() -> NotificationEvents.fromEvent(AlertEvents.toEvent(
        notice(AlertNotice.Status.FIRING, 1, 0), Instant.now())))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("alert.notified");
  }

  private static EventEnvelope with(JsonObject payload) {
    return EventEnvelope.create(EventType.ALERT_NOTIFIED, null, Instant.now(), Instant.now(), "alerting-service",
        payload);
  }
}
