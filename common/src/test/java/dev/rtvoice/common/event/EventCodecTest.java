package dev.rtvoice.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {
  private static final Instant OCCURRED = Instant.parse("2026-11-25T10:15:30.123Z");
  private static final Instant RECORDED = Instant.parse("2026-11-25T10:15:30.456Z");

  private static JsonObject valid() {
    return new JsonObject()
        .put("event_id", UUID.randomUUID().toString())
        .put("type", "session.phase_changed")
        .put("schema_version", 1)
        .put("session_id", "sess_1")
        .put("occurred_at", OCCURRED.toString())
        .put("recorded_at", RECORDED.toString())
        .put("source", "session-service")
        .put("payload", new JsonObject().put("from", "IDLE").put("to", "LISTENING"));
  }

  private static InvalidEventException rejection(JsonObject json) {
    try {
      EventCodec.decode(json.toBuffer());
    } catch (InvalidEventException e) {
      return e;
    }
    throw new AssertionError("accepted " + json.encode());
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void everyTypeRoundTrips(EventType type) {
    JsonObject payload = new JsonObject().put("n", 42).put("nested", new JsonObject().put("list", new JsonArray().add(1)));
    EventEnvelope event = EventEnvelope.create(type, "sess_" + type.ordinal(), OCCURRED, RECORDED, "test", payload);

    EventEnvelope decoded = EventCodec.decode(EventCodec.encode(event));

    assertThat(decoded).isEqualTo(event);
    assertThat(decoded.payload()).isEqualTo(payload);
    assertThat(decoded.schemaVersion()).isEqualTo(type.currentVersion());
  }

  @Test
  void typesWithoutSessionRoundTripWithoutOne() {
    EventEnvelope event = EventEnvelope.create(EventType.METRICS_WINDOW, null, OCCURRED, RECORDED, "metrics", null);
    EventEnvelope decoded = EventCodec.decode(EventCodec.encode(event));
    assertThat(decoded.sessionId()).isNull();
    assertThat(EventCodec.toJson(event).containsKey("session_id")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"event_id", "type", "schema_version", "session_id", "occurred_at", "recorded_at", "source",
      "payload"})
  void missingRequiredFieldIsRejectedByName(String field) {
    JsonObject json = valid();
    json.remove(field);
    InvalidEventException e = rejection(json);
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.getMessage()).contains(field);
  }

  @Test
  void mistypedFieldsAreRejectedByName() {
    assertThat(rejection(valid().put("event_id", "not-a-uuid")).field()).isEqualTo("event_id");
    assertThat(rejection(valid().put("event_id", 12)).field()).isEqualTo("event_id");
    assertThat(rejection(valid().put("type", 7)).field()).isEqualTo("type");
    assertThat(rejection(valid().put("schema_version", "1")).field()).isEqualTo("schema_version");
    assertThat(rejection(valid().put("schema_version", 1.5)).field()).isEqualTo("schema_version");
    assertThat(rejection(valid().put("session_id", 99)).field()).isEqualTo("session_id");
    assertThat(rejection(valid().put("session_id", "")).field()).isEqualTo("session_id");
    assertThat(rejection(valid().put("occurred_at", "yesterday")).field()).isEqualTo("occurred_at");
    assertThat(rejection(valid().put("occurred_at", 1764065730123L)).field()).isEqualTo("occurred_at");
    assertThat(rejection(valid().put("recorded_at", "2026-13-01T00:00:00Z")).field()).isEqualTo("recorded_at");
    assertThat(rejection(valid().put("source", "")).field()).isEqualTo("source");
    assertThat(rejection(valid().put("payload", new JsonArray())).field()).isEqualTo("payload");
    assertThat(rejection(valid().put("payload", "text")).field()).isEqualTo("payload");
  }

  @Test
  void unknownTypeIsRejected() {
    InvalidEventException e = rejection(valid().put("type", "session.teleported"));
    assertThat(e.field()).isEqualTo("type");
    assertThat(e.getMessage()).contains("session.teleported");
  }

  @Test
  void unknownSchemaVersionIsRejected() {
    InvalidEventException e = rejection(valid().put("schema_version", 2));
    assertThat(e.field()).isEqualTo("schema_version");
    assertThat(rejection(valid().put("schema_version", 0)).field()).isEqualTo("schema_version");
  }

  @Test
  void oversizedRecordIsRejectedOnReadAndOnWrite() {
    String big = "x".repeat(EventCodec.MAX_BYTES);
    InvalidEventException onRead = rejection(valid().put("payload", new JsonObject().put("blob", big)));
    assertThat(onRead.field()).isEqualTo("value");
    assertThat(onRead.getMessage()).contains("exceeds");

    EventEnvelope tooBig = EventEnvelope.create(EventType.SESSION_ENDED, "s", OCCURRED, RECORDED, "t",
        new JsonObject().put("blob", big));
    assertThatThrownBy(() -> EventCodec.encode(tooBig))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("payload");
  }

  @Test
  void notJsonIsRejected() {
    assertThat(catchField(Buffer.buffer("{not json"))).isEqualTo("value");
    assertThat(catchField(Buffer.buffer("[1,2]"))).isEqualTo("value");
    assertThat(catchField(null)).isEqualTo("value");
  }

  @Test
  void unknownFieldsAreIgnored() {
    JsonObject json = valid().put("trace_id", "abc").put("extra", new JsonObject());
    EventEnvelope event = EventCodec.decode(json.toBuffer());
    assertThat(event.type()).isEqualTo(EventType.SESSION_PHASE_CHANGED);
  }

  @Test
  void envelopeIsImmutable() {
    JsonObject payload = new JsonObject().put("a", 1);
    EventEnvelope event = EventEnvelope.create(EventType.SESSION_ENDED, "s", OCCURRED, RECORDED, "t", payload);
    payload.put("a", 2);
    event.payload().put("a", 3);
    assertThat(event.payload().getInteger("a")).isEqualTo(1);
  }

  private static String catchField(Buffer buffer) {
    try {
      EventCodec.decode(buffer);
      throw new AssertionError("accepted");
    } catch (InvalidEventException e) {
      return e.field();
    }
  }
}
