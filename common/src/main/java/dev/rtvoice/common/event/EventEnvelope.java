package dev.rtvoice.common.event;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The envelope every Kafka event carries (the root README, "Kafka topics"). Immutable: the payload is
 * copied in and copied out, so an event that was published or applied can never change underneath
 * its reader.
 *
 * @param eventId idempotency key of the event
 * @param occurredAt event time: when it happened at the client or upstream; windows follow it
 * @param recordedAt server time when the suite first recorded it
 * @param sessionId the voice session; null only for types that are not session-scoped
 */
public record EventEnvelope(
    UUID eventId,
    EventType type,
    int schemaVersion,
    String sessionId,
    Instant occurredAt,
    Instant recordedAt,
    String source,
    JsonObject payload) {

  public EventEnvelope {
    Objects.requireNonNull(eventId, "event_id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(occurredAt, "occurred_at");
    Objects.requireNonNull(recordedAt, "recorded_at");
    Objects.requireNonNull(source, "source");
    if (!type.supportsVersion(schemaVersion)) {
      throw new InvalidEventException("schema_version", "version " + schemaVersion + " of " + type + " is not supported");
    }
    if (type.sessionScoped() && (sessionId == null || sessionId.isEmpty())) {
      throw new InvalidEventException("session_id", "required for " + type);
    }
    payload = payload == null ? new JsonObject() : payload.copy();
  }

  /** A new event of the current schema version, recorded now. */
  public static EventEnvelope create(EventType type, String sessionId, Instant occurredAt, Instant recordedAt,
                                     String source, JsonObject payload) {
    return new EventEnvelope(UUID.randomUUID(), type, type.currentVersion(), sessionId, occurredAt, recordedAt,
        source, payload);
  }

  /** A defensive copy; use {@link #payloadView()} on hot paths that only read. */
  @Override
  public JsonObject payload() {
    return payload.copy();
  }

  /**
   * The payload without a copy, for readers that promise not to modify it (decoders on hot paths).
   * Mutating the returned object is a bug.
   */
  public JsonObject payloadView() {
    return payload;
  }
}
