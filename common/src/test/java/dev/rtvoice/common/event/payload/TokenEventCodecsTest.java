package dev.rtvoice.common.event.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TokenEventCodecsTest {

  private static JsonObject roundTrip(EventType type, JsonObject payload) {
    EventEnvelope event = EventEnvelope.create(type, "sess-1", Instant.ofEpochMilli(1_000),
        Instant.ofEpochMilli(1_000), "token-service", payload);
    return EventCodec.decode(EventCodec.encode(event)).payloadView();
  }

  @Test
  void mintedRoundTripsWithAndWithoutTenant() {
    TokenMintedPayload issued = new TokenMintedPayload("u-1", "d-1", 600, 1_700_000_600L, 1_700_000_480L, 0,
        "gpt-realtime", "marin", "0a1b2c3d", 120, 135, "acme");
    assertThat(TokenEventCodecs.decodeMinted(roundTrip(EventType.TOKEN_ISSUED, TokenEventCodecs.encode(issued))))
        .isEqualTo(issued);
    TokenMintedPayload rotated = new TokenMintedPayload("u-1", "d-1", 600, 1_700_001_200L, 1_700_001_080L, 1,
        "gpt-realtime", "marin", "4e5f6a7b", 95, 101, null);
    JsonObject json = TokenEventCodecs.encode(rotated);
    assertThat(json.containsKey("tenant_id")).isFalse();
    assertThat(TokenEventCodecs.decodeMinted(roundTrip(EventType.TOKEN_ROTATED, json))).isEqualTo(rotated);
    // the order token-service writes
    assertThat(json.fieldNames()).containsExactly("user_id", "device_id", "ttl_seconds", "expires_at", "rotate_at",
        "generation", "model", "voice", "secret_fingerprint", "upstream_ms", "total_ms");
  }

  @Test
  void refreshedRoundTripsWithoutSecretOrUpstreamTime() {
    TokenRefreshedPayload refreshed = new TokenRefreshedPayload("u-1", "d-1", 600, 1_700_000_600L, 1_700_000_480L,
        2, "gpt-realtime", "marin", 12, "acme");
    JsonObject json = TokenEventCodecs.encode(refreshed);
    assertThat(json.fieldNames()).containsExactly("user_id", "device_id", "ttl_seconds", "expires_at", "refresh_at",
        "generation", "model", "voice", "total_ms", "tenant_id");
    assertThat(TokenEventCodecs.decodeRefreshed(roundTrip(EventType.TOKEN_REFRESHED, json))).isEqualTo(refreshed);
    assertField(TokenEventCodecs::decodeRefreshed, json.copy().put("refresh_at", "soon"), "payload.refresh_at");
  }

  @Test
  void theOtherTokenEventsRoundTrip() {
    TokenRotationFailedPayload failed = new TokenRotationFailedPayload("u-1", "d-1", "circuit_open", 3, 4_100, true);
    assertThat(TokenEventCodecs.decodeRotationFailed(
        roundTrip(EventType.TOKEN_ROTATION_FAILED, TokenEventCodecs.encode(failed)))).isEqualTo(failed);
    TokenUpstreamRejectedPayload rejected = new TokenUpstreamRejectedPayload(401, "rotate", "u-1", "d-1");
    assertThat(TokenEventCodecs.decodeUpstreamRejected(
        roundTrip(EventType.TOKEN_UPSTREAM_REJECTED, TokenEventCodecs.encode(rejected)))).isEqualTo(rejected);
    TokenDeniedPayload anonymous = new TokenDeniedPayload("unauthenticated", "issue", null, null, null);
    JsonObject json = TokenEventCodecs.encode(anonymous);
    assertThat(json.fieldNames()).containsExactly("reason", "operation");
    assertThat(TokenEventCodecs.decodeDenied(roundTrip(EventType.TOKEN_DENIED, json))).isEqualTo(anonymous);
    TokenDeniedPayload limited = new TokenDeniedPayload("rate_limited", "rotate", "u-1", "d-1", "10 per minute");
    assertThat(TokenEventCodecs.decodeDenied(TokenEventCodecs.encode(limited))).isEqualTo(limited);
    TokenCallCreatedPayload call = new TokenCallCreatedPayload("u-1", "d-1", "rtc_abc123", 230, true, "acme");
    assertThat(TokenEventCodecs.decodeCallCreated(
        roundTrip(EventType.TOKEN_CALL_CREATED, TokenEventCodecs.encode(call)))).isEqualTo(call);
  }

  @Test
  void decodeByTypeUsesEachTypesCodec() {
    TokenMintedPayload minted = new TokenMintedPayload("u-1", "d-1", 600, 1, 1, 0, "m", "v", "fp", 1, 2, null);
    assertThat(TokenEventCodecs.decode(EventType.TOKEN_ISSUED, TokenEventCodecs.encode(minted))).isEqualTo(minted);
    assertThat(TokenEventCodecs.decode(EventType.TOKEN_ROTATED, TokenEventCodecs.encode(minted))).isEqualTo(minted);
    TokenDeniedPayload denied = new TokenDeniedPayload("rate_limited", "rotate", null, null, null);
    assertThat(TokenEventCodecs.decode(EventType.TOKEN_DENIED, TokenEventCodecs.encode(denied))).isEqualTo(denied);
    TokenRotationFailedPayload failed = new TokenRotationFailedPayload("u", null, "circuit_open", 1, 1, true);
    assertThat(TokenEventCodecs.decode(EventType.TOKEN_ROTATION_FAILED, TokenEventCodecs.encode(failed)))
        .isEqualTo(failed);
    for (EventType type : EventType.values()) {
      assertThat(TokenEventCodecs.covers(type)).as(type.wireName()).isEqualTo(type.wireName().startsWith("token."));
      if (type.wireName().startsWith("token.")) {
        // every token type has a codec: an empty payload is refused by field, not by type
        assertThatThrownBy(() -> TokenEventCodecs.decode(type, new JsonObject()))
            .isInstanceOf(InvalidEventException.class);
      } else {
        assertThatThrownBy(() -> TokenEventCodecs.decode(type, new JsonObject()))
            .isInstanceOf(IllegalArgumentException.class);
      }
    }
  }

  @Test
  void malformedTokenPayloadsAreRejectedByField() {
    JsonObject minted = TokenEventCodecs.encode(new TokenMintedPayload("u-1", "d-1", 600, 1, 1, 0, "m", "v", "fp", 1,
        2, null));
    assertField(TokenEventCodecs::decodeMinted, minted.copy().put("generation", "0"), "payload.generation");
    assertField(TokenEventCodecs::decodeMinted, minted.copy().put("ttl_seconds", 1L << 40), "payload.ttl_seconds");
    assertField(TokenEventCodecs::decodeMinted, minted.copy().put("secret_fingerprint", ""),
        "payload.secret_fingerprint");
    assertField(TokenEventCodecs::decodeMinted, minted.copy().put("tenant_id", 7), "payload.tenant_id");
    JsonObject failed = TokenEventCodecs.encode(new TokenRotationFailedPayload("u", "d", "upstream_5xx", 1, 1, true));
    assertField(TokenEventCodecs::decodeRotationFailed, failed.copy().put("reissue_token", "yes"),
        "payload.reissue_token");
    assertField(TokenEventCodecs::decodeUpstreamRejected, new JsonObject().put("status", 401.5), "payload.status");
    assertField(TokenEventCodecs::decodeDenied, new JsonObject(), "payload.reason");
    JsonObject call = TokenEventCodecs.encode(new TokenCallCreatedPayload("u", "d", "rtc_1", 1, false, null));
    assertField(TokenEventCodecs::decodeCallCreated, call.copy().put("new_session", 1), "payload.new_session");
    assertField(TokenEventCodecs::decodeCallCreated, call.copy().putNull("call_id"), "payload.call_id");
  }

  private static void assertField(Function<JsonObject, ?> decode, JsonObject payload, String field) {
    assertThatThrownBy(() -> decode.apply(payload)).isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field));
  }
}
