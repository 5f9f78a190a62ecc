package dev.rtvoice.common.event;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/**
 * JSON codec of {@link EventEnvelope}: lenient on unknown fields (forward compatibility), strict on
 * everything it needs. A missing or mistyped required field, an unknown type, an unknown schema
 * version or a record over {@link #MAX_BYTES} is rejected with an {@link InvalidEventException} that
 * names the field; nothing is defaulted.
 */
public final class EventCodec {
  /** Largest encoded event, in bytes. Kafka would take more, but nothing legitimate is this big. */
  public static final int MAX_BYTES = 64 * 1024;

  private EventCodec() {}

  public static Buffer encode(EventEnvelope event) {
    Buffer encoded = toJson(event).toBuffer();
    if (encoded.length() > MAX_BYTES) {
      throw new InvalidEventException("payload", "event of " + encoded.length() + " bytes exceeds " + MAX_BYTES);
    }
    return encoded;
  }

  public static JsonObject toJson(EventEnvelope event) {
    JsonObject json = new JsonObject()
        .put("event_id", event.eventId().toString())
        .put("type", event.type().wireName())
        .put("schema_version", event.schemaVersion());
    if (event.sessionId() != null) {
      json.put("session_id", event.sessionId());
    }
    return json
        .put("occurred_at", Instants.format(event.occurredAt()))
        .put("recorded_at", Instants.format(event.recordedAt()))
        .put("source", event.source())
        .put("payload", event.payloadView());
  }

  public static EventEnvelope decode(Buffer bytes) {
    if (bytes == null) {
      throw new InvalidEventException("value", "record has no value");
    }
    if (bytes.length() > MAX_BYTES) {
      throw new InvalidEventException("value", "record of " + bytes.length() + " bytes exceeds " + MAX_BYTES);
    }
    JsonObject json;
    try {
      json = new JsonObject(bytes);
    } catch (DecodeException | ClassCastException e) {
      throw new InvalidEventException("value", "not a JSON object");
    }
    return fromJson(json);
  }

  public static EventEnvelope fromJson(JsonObject json) {
    UUID eventId = uuid(json, "event_id");
    String typeName = requiredString(json, "type");
    EventType type = EventType.fromWireName(typeName)
        .orElseThrow(() -> new InvalidEventException("type", "unknown event type '" + typeName + "'"));
    int version = requiredInt(json, "schema_version");
    if (!type.supportsVersion(version)) {
      throw new InvalidEventException("schema_version", "version " + version + " of " + type + " is not supported");
    }
    String sessionId = optionalString(json, "session_id");
    if (type.sessionScoped() && (sessionId == null || sessionId.isEmpty())) {
      throw new InvalidEventException("session_id", "required for " + type);
    }
    Instant occurredAt = instant(json, "occurred_at");
    Instant recordedAt = instant(json, "recorded_at");
    String source = requiredString(json, "source");
    Object payload = json.getValue("payload");
    if (payload == null) {
      throw new InvalidEventException("payload", "missing");
    }
    if (!(payload instanceof JsonObject)) {
      throw new InvalidEventException("payload", "must be a JSON object");
    }
    return new EventEnvelope(eventId, type, version, sessionId, occurredAt, recordedAt, source, (JsonObject) payload);
  }

  private static String requiredString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      throw new InvalidEventException(field, "missing");
    }
    if (!(value instanceof String s)) {
      throw new InvalidEventException(field, "must be a string");
    }
    if (s.isEmpty()) {
      throw new InvalidEventException(field, "must not be empty");
    }
    return s;
  }

  private static String optionalString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new InvalidEventException(field, "must be a string");
    }
    return s;
  }

  private static int requiredInt(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      throw new InvalidEventException(field, "missing");
    }
    if (!(value instanceof Integer || value instanceof Long) ) {
      throw new InvalidEventException(field, "must be an integer");
    }
    long v = ((Number) value).longValue();
    if (v < 1 || v > Integer.MAX_VALUE) {
      throw new InvalidEventException(field, "must be a positive integer");
    }
    return (int) v;
  }

  private static UUID uuid(JsonObject json, String field) {
    String text = requiredString(json, field);
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidEventException(field, "must be a UUID");
    }
  }

  private static Instant instant(JsonObject json, String field) {
    String text = requiredString(json, field);
    try {
      return Instants.parse(text);
    } catch (DateTimeParseException e) {
      throw new InvalidEventException(field, "must be an ISO-8601 instant such as 2026-01-31T12:00:00.123Z");
    }
  }
}
