package dev.rtvoice.tokens.kafka;

import dev.rtvoice.tokens.domain.RotationRecord;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/** JSON of a rotation-ledger record ({@code v} 1); a record that does not decode is skipped by the reader. */
final class RotationRecordCodec {
  static final int VERSION = 1;
  static final int MAX_BYTES = 64 * 1024;

  private RotationRecordCodec() {}

  static Buffer encode(RotationRecord r) {
    JsonObject json = new JsonObject()
        .put("v", VERSION)
        .put("kind", r.kind().name().toLowerCase())
        .put("session_id", r.sessionId())
        .put("parent", r.parent())
        .put("generation", r.generation())
        .put("at_ms", r.atMs())
        .put("handle_expires_at_ms", r.handleExpiresAtMs());
    if (r.rotationId() != null) {
      json.put("rotation_id", r.rotationId());
    }
    if (r.sealedAnswer() != null) {
      json.put("answer", r.sealedAnswer());
    }
    if (r.event() != null) {
      json.put("event", r.event());
    }
    return json.toBuffer();
  }

  /** @throws IllegalArgumentException when the value is not a record of this version */
  static RotationRecord decode(String key, Buffer value) {
    if (value == null || value.length() > MAX_BYTES) {
      throw new IllegalArgumentException("missing or over " + MAX_BYTES + " bytes");
    }
    JsonObject json;
    try {
      json = value.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("not a JSON object");
    }
    try {
      if (json.getInteger("v", -1) != VERSION) {
        throw new IllegalArgumentException("unknown version " + json.getValue("v"));
      }
      String sessionId = required(json.getString("session_id"), "session_id");
      if (!sessionId.equals(key)) {
        throw new IllegalArgumentException("key does not match session_id");
      }
      int generation = json.getInteger("generation");
      long at = json.getLong("at_ms");
      long expires = json.getLong("handle_expires_at_ms");
      return switch (required(json.getString("kind"), "kind")) {
        case "rotated" -> {
          int parent = json.getInteger("parent");
          if (generation != parent + 1) {
            throw new IllegalArgumentException("generation is not parent + 1");
          }
          yield RotationRecord.rotated(sessionId, parent, required(json.getString("rotation_id"), "rotation_id"), at,
              expires, required(json.getString("answer"), "answer"), required(json.getString("event"), "event"));
        }
        case "revoked" -> RotationRecord.revoked(sessionId, generation, at, expires);
        default -> throw new IllegalArgumentException("unknown kind " + json.getString("kind"));
      };
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("a field is missing or of the wrong type");
    }
  }

  private static String required(String value, String field) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(field + " is missing");
    }
    return value;
  }
}
