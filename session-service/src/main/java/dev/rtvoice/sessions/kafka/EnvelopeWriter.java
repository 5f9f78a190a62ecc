package dev.rtvoice.sessions.kafka;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.Instants;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.jackson.DatabindCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Writes an event envelope straight from its parts, the same bytes {@link EventCodec#encode} writes
 * for the same {@code EventEnvelope} (field for field, in the same order), without building the
 * envelope: its constructor deep-copies the payload, and {@code toJson} wraps it once more. On the hot
 * paths (a request's command, a session's snapshot: the largest records) that copy was the biggest
 * part of the encoding. The same bound holds: over {@link EventCodec#MAX_BYTES} is an
 * {@link InvalidEventException} naming {@code payload}.
 */
public final class EnvelopeWriter {
  private static final ObjectMapper MAPPER = DatabindCodec.mapper();

  private EnvelopeWriter() {}

  /** {@code payload}: plain maps, lists, strings, numbers, booleans, nulls (and Vert.x JSON types). */
  public static Buffer encode(UUID eventId, EventType type, int schemaVersion, String sessionId, Instant occurredAt,
                              Instant recordedAt, String source, Map<String, ?> payload) {
    if (!type.supportsVersion(schemaVersion)) {
      throw new InvalidEventException("schema_version", "version " + schemaVersion + " of " + type + " is not supported");
    }
    if (type.sessionScoped() && (sessionId == null || sessionId.isEmpty())) {
      throw new InvalidEventException("session_id", "required for " + type);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("event_id", eventId.toString());
      g.writeStringField("type", type.wireName());
      g.writeNumberField("schema_version", schemaVersion);
      if (sessionId != null) {
        g.writeStringField("session_id", sessionId);
      }
      g.writeStringField("occurred_at", Instants.format(occurredAt));
      g.writeStringField("recorded_at", Instants.format(recordedAt));
      g.writeStringField("source", source);
      g.writeFieldName("payload");
      MAPPER.writeValue(g, payload);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (out.size() > EventCodec.MAX_BYTES) {
      throw new InvalidEventException("payload", "event of " + out.size() + " bytes exceeds " + EventCodec.MAX_BYTES);
    }
    return Buffer.buffer(out.toByteArray());
  }
}
