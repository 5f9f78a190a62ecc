package dev.rtvoice.common.event.payload;

import static dev.rtvoice.common.event.payload.Fields.bool;
import static dev.rtvoice.common.event.payload.Fields.integer;
import static dev.rtvoice.common.event.payload.Fields.optionalText;
import static dev.rtvoice.common.event.payload.Fields.text;

import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonObject;

/**
 * JSON of the payloads of {@code realtime.token.events}, written by token-service through these codecs
 * and read by metrics-service's counters through {@link #decode(EventType, JsonObject)}. Field order is
 * the one token-service has always written, so switching a writer to these codecs changes no byte. A
 * missing or mistyped required field is an {@link InvalidEventException} naming {@code payload.<field>}
 * (metrics-service dead-letters such a record and goes on); unknown fields are ignored.
 */
public final class TokenEventCodecs {
  private TokenEventCodecs() {}

  /** Whether {@code type} is one of the payloads here (the events of {@code realtime.token.events}). */
  public static boolean covers(EventType type) {
    return switch (type) {
      case TOKEN_ISSUED, TOKEN_ROTATED, TOKEN_REFRESHED, TOKEN_ROTATION_FAILED, TOKEN_UPSTREAM_REJECTED, TOKEN_DENIED,
          TOKEN_CALL_CREATED -> true;
      default -> false;
    };
  }

  /**
   * The payload of an event of {@code type}, decoded by that type's codec: {@code token.issued} and
   * {@code token.rotated} share {@link TokenMintedPayload}.
   *
   * @throws InvalidEventException a required field missing, a field of the wrong type
   * @throws IllegalArgumentException {@code type} is not one {@link #covers}
   */
  public static Record decode(EventType type, JsonObject json) {
    return switch (type) {
      case TOKEN_ISSUED, TOKEN_ROTATED -> decodeMinted(json);
      case TOKEN_REFRESHED -> decodeRefreshed(json);
      case TOKEN_ROTATION_FAILED -> decodeRotationFailed(json);
      case TOKEN_UPSTREAM_REJECTED -> decodeUpstreamRejected(json);
      case TOKEN_DENIED -> decodeDenied(json);
      case TOKEN_CALL_CREATED -> decodeCallCreated(json);
      default -> throw new IllegalArgumentException(type + " is not a token event");
    };
  }

  public static JsonObject encode(TokenMintedPayload p) {
    JsonObject json = new JsonObject()
        .put("user_id", p.userId())
        .put("device_id", p.deviceId())
        .put("ttl_seconds", p.ttlSeconds())
        .put("expires_at", p.expiresAt())
        .put("rotate_at", p.rotateAt())
        .put("generation", p.generation())
        .put("model", p.model())
        .put("voice", p.voice())
        .put("secret_fingerprint", p.secretFingerprint())
        .put("upstream_ms", p.upstreamMs())
        .put("total_ms", p.totalMs());
    if (p.tenantId() != null) {
      json.put("tenant_id", p.tenantId());
    }
    return json;
  }

  public static TokenMintedPayload decodeMinted(JsonObject json) {
    return new TokenMintedPayload(text(json, "user_id"), optionalText(json, "device_id"),
        intField(json, "ttl_seconds"), integer(json, "expires_at"), integer(json, "rotate_at"),
        intField(json, "generation"), optionalText(json, "model"), optionalText(json, "voice"),
        text(json, "secret_fingerprint"), integer(json, "upstream_ms"), integer(json, "total_ms"),
        optionalText(json, "tenant_id"));
  }

  public static JsonObject encode(TokenRefreshedPayload p) {
    JsonObject json = new JsonObject()
        .put("user_id", p.userId())
        .put("device_id", p.deviceId())
        .put("ttl_seconds", p.ttlSeconds())
        .put("expires_at", p.expiresAt())
        .put("refresh_at", p.refreshAt())
        .put("generation", p.generation())
        .put("model", p.model())
        .put("voice", p.voice())
        .put("total_ms", p.totalMs());
    if (p.tenantId() != null) {
      json.put("tenant_id", p.tenantId());
    }
    return json;
  }

  public static TokenRefreshedPayload decodeRefreshed(JsonObject json) {
    return new TokenRefreshedPayload(text(json, "user_id"), optionalText(json, "device_id"),
        intField(json, "ttl_seconds"), integer(json, "expires_at"), integer(json, "refresh_at"),
        intField(json, "generation"), optionalText(json, "model"), optionalText(json, "voice"),
        integer(json, "total_ms"), optionalText(json, "tenant_id"));
  }

  public static JsonObject encode(TokenRotationFailedPayload p) {
    return new JsonObject()
        .put("user_id", p.userId())
        .put("device_id", p.deviceId())
        .put("reason", p.reason())
        .put("attempts", p.attempts())
        .put("total_ms", p.totalMs())
        .put("reissue_token", p.reissueToken());
  }

  public static TokenRotationFailedPayload decodeRotationFailed(JsonObject json) {
    return new TokenRotationFailedPayload(text(json, "user_id"), optionalText(json, "device_id"),
        text(json, "reason"), intField(json, "attempts"), integer(json, "total_ms"), bool(json, "reissue_token"));
  }

  public static JsonObject encode(TokenUpstreamRejectedPayload p) {
    return new JsonObject()
        .put("status", p.status())
        .put("operation", p.operation())
        .put("user_id", p.userId())
        .put("device_id", p.deviceId());
  }

  public static TokenUpstreamRejectedPayload decodeUpstreamRejected(JsonObject json) {
    return new TokenUpstreamRejectedPayload(intField(json, "status"), text(json, "operation"),
        text(json, "user_id"), optionalText(json, "device_id"));
  }

  public static JsonObject encode(TokenDeniedPayload p) {
    JsonObject json = new JsonObject().put("reason", p.reason()).put("operation", p.operation());
    if (p.userId() != null) {
      json.put("user_id", p.userId());
    }
    if (p.deviceId() != null) {
      json.put("device_id", p.deviceId());
    }
    if (p.detail() != null) {
      json.put("detail", p.detail());
    }
    return json;
  }

  public static TokenDeniedPayload decodeDenied(JsonObject json) {
    return new TokenDeniedPayload(text(json, "reason"), optionalText(json, "operation"), optionalText(json, "user_id"),
        optionalText(json, "device_id"), optionalText(json, "detail"));
  }

  public static JsonObject encode(TokenCallCreatedPayload p) {
    JsonObject json = new JsonObject()
        .put("user_id", p.userId())
        .put("device_id", p.deviceId())
        .put("call_id", p.callId())
        .put("upstream_ms", p.upstreamMs())
        .put("new_session", p.newSession());
    if (p.tenantId() != null) {
      json.put("tenant_id", p.tenantId());
    }
    return json;
  }

  public static TokenCallCreatedPayload decodeCallCreated(JsonObject json) {
    return new TokenCallCreatedPayload(text(json, "user_id"), optionalText(json, "device_id"),
        text(json, "call_id"), integer(json, "upstream_ms"), bool(json, "new_session"),
        optionalText(json, "tenant_id"));
  }

  private static int intField(JsonObject json, String name) {
    long v = integer(json, name);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new InvalidEventException(Fields.field(name), "out of range");
    }
    return (int) v;
  }
}
