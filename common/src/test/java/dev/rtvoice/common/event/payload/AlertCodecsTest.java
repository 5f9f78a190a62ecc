package dev.rtvoice.common.event.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AlertCodecsTest {

  private static AlertPayload firing() {
    return new AlertPayload("FirstAudioSlow", "0123456789abcdef", AlertCodec.FIRING,
        Map.of("alertname", "FirstAudioSlow", "severity", "page"), Map.of("summary", "p95 over 1.2 s"), 60_000,
        null, 1_450.5);
  }

  private static JsonObject roundTrip(EventType type, JsonObject payload) {
    EventEnvelope event = EventEnvelope.create(type, null, Instant.ofEpochMilli(60_000), Instant.now(),
        "alerting-service", payload);
    return EventCodec.decode(EventCodec.encode(event)).payloadView();
  }

  @Test
  void firingAndResolvedRoundTrip() {
    AlertPayload firing = firing();
    assertThat(AlertCodec.decode(roundTrip(EventType.ALERT_FIRING, AlertCodec.encode(firing)))).isEqualTo(firing);
    assertThat(firing.firing()).isTrue();
    AlertPayload resolved = new AlertPayload("FirstAudioSlow", "0123456789abcdef", AlertCodec.RESOLVED,
        firing.labels(), firing.annotations(), 60_000, 180_000L, 900);
    AlertPayload back = AlertCodec.decode(roundTrip(EventType.ALERT_RESOLVED, AlertCodec.encode(resolved)));
    assertThat(back).isEqualTo(resolved);
    assertThat(back.firing()).isFalse();
    assertThat(AlertCodec.encode(firing).containsKey("ends_at_ms")).isFalse();
  }

  @Test
  void aMissingMeasurementTravelsAsNullAndReadsAsNaN() {
    AlertPayload restored = new AlertPayload("A", "f", AlertCodec.FIRING, Map.of("alertname", "A"), Map.of(), 1,
        null, Double.NaN);
    JsonObject json = AlertCodec.encode(restored);
    assertThat(json.containsKey("value")).isTrue();
    assertThat(json.getValue("value")).isNull();
    assertThat(AlertCodec.decode(json).value()).isNaN();
  }

  @Test
  void malformedAlertsAreRejectedByField() {
    JsonObject good = AlertCodec.encode(firing());
    assertAlertField(good.copy().put("alertname", ""), "payload.alertname");
    assertAlertField(good.copy().put("fingerprint", 5), "payload.fingerprint");
    assertAlertField(good.copy().put("status", "pending"), "payload.status");
    assertAlertField(good.copy().put("labels", new JsonArray()), "payload.labels");
    assertAlertField(good.copy().put("labels", new JsonObject().put("alertname", "Other")),
        "payload.labels.alertname");
    assertAlertField(good.copy().put("labels", new JsonObject().put("alertname", "FirstAudioSlow").put("n", 1)),
        "payload.labels.n");
    assertAlertField(good.copy().put("annotations", "x"), "payload.annotations");
    assertAlertField(good.copy().put("starts_at_ms", "soon"), "payload.starts_at_ms");
    assertAlertField(good.copy().put("ends_at_ms", "later"), "payload.ends_at_ms");
    assertThatThrownBy(() -> AlertCodec.fingerprint(new JsonObject())).isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("payload.fingerprint");
  }

  @Test
  void notificationRoundTripsWithSortedFingerprints() {
    Set<String> firing = new LinkedHashSet<>(List.of("f2", "f1"));
    AlertNotifiedPayload n = new AlertNotifiedPayload("i-1", "webhook-1", "{}:{alertname=\"A\"}", firing,
        Set.of("r1"), 42_000);
    JsonObject json = AlertNotifiedCodec.encode(n);
    assertThat(json.getJsonArray("firing")).containsExactly("f1", "f2");
    AlertNotifiedPayload back = AlertNotifiedCodec.decode(roundTrip(EventType.ALERT_NOTIFIED, json));
    assertThat(back.instance()).isEqualTo("i-1");
    assertThat(back.receiver()).isEqualTo("webhook-1");
    assertThat(back.groupKey()).isEqualTo("{}:{alertname=\"A\"}");
    assertThat(back.firing()).containsExactly("f1", "f2");
    assertThat(back.resolved()).containsExactly("r1");
    assertThat(back.notifiedAtMs()).isEqualTo(42_000);
  }

  @Test
  void malformedNotificationsAreRejectedByField() {
    JsonObject good = AlertNotifiedCodec.encode(new AlertNotifiedPayload("i-1", "w", "g", Set.of("f"), Set.of(), 1));
    assertNotifiedField(good.copy().put("firing", "f1"), "payload.firing");
    assertNotifiedField(good.copy().put("resolved", new JsonArray().add(3)), "payload.resolved");
    assertNotifiedField(good.copy().put("receiver", ""), "payload.receiver");
    assertNotifiedField(good.copy().put("notified_at_ms", "soon"), "payload.notified_at_ms");
    assertNotifiedField(new JsonObject(), "payload.notified_at_ms");
  }

  private static void assertAlertField(JsonObject payload, String field) {
    assertThatThrownBy(() -> AlertCodec.decode(payload)).isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field));
  }

  private static void assertNotifiedField(JsonObject payload, String field) {
    assertThatThrownBy(() -> AlertNotifiedCodec.decode(payload)).isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field));
  }
}
