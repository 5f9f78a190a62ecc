package dev.rtvoice.tokens.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.TokenCallCreatedPayload;
import dev.rtvoice.common.event.payload.TokenEventCodecs;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * token-service's events are written through common's codecs, which metrics-service reads with; the
 * switch must not change one byte of what consumers (and replayed rotations kept in the ledger) see.
 * The {@code handBuilt*} methods are the JSON token-service built by hand before the codecs, kept
 * verbatim as the reference.
 */
class TokenEventBytesTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.123Z");
  private final TokenEvents events = new TokenEvents(null, "realtime.token.events",
      Clock.fixed(NOW, ZoneOffset.UTC), null);

  @Test
  void mintedIsWhatWasHandBuilt() {
    for (String tenant : new String[] {null, "acme"}) {
      for (int generation : new int[] {0, 3}) {
        TokenEvents.Minted m = new TokenEvents.Minted("rts_1", "u-1", tenant, "dev-1", 600,
            Instant.ofEpochSecond(1_772_359_800L), Instant.ofEpochSecond(1_772_359_500L), generation, "gpt-realtime",
            "alloy", "fp_abc", 42, 57);
        EventEnvelope event = events.minted(m);
        assertThat(event.type()).isEqualTo(generation == 0 ? EventType.TOKEN_ISSUED : EventType.TOKEN_ROTATED);
        assertSameBytes(event, handBuiltMinted(m));
      }
    }
    // what a request without device, model or voice gives
    TokenEvents.Minted bare = new TokenEvents.Minted("rts_2", "u-2", null, null, 60, Instant.ofEpochSecond(10),
        Instant.ofEpochSecond(5), 0, null, null, "fp", 0, 0);
    assertSameBytes(events.minted(bare), handBuiltMinted(bare));
  }

  @Test
  void refreshedIsWhatWasHandBuilt() {
    for (String tenant : new String[] {null, "acme"}) {
      TokenEvents.Refreshed r = new TokenEvents.Refreshed("rts_1", "u-1", tenant, "dev-1", 600,
          Instant.ofEpochSecond(1_772_360_400L), Instant.ofEpochSecond(1_772_360_100L), 4, "gpt-realtime", "alloy",
          9);
      assertSameBytes(events.refreshed(r), handBuiltRefreshed(r));
    }
    TokenEvents.Refreshed bare = new TokenEvents.Refreshed("rts_2", "u-2", null, null, 60, Instant.ofEpochSecond(10),
        Instant.ofEpochSecond(5), 1, null, null, 0);
    assertSameBytes(events.refreshed(bare), handBuiltRefreshed(bare));
  }

  @Test
  void callCreatedIsWhatWasHandBuilt() {
    for (String tenant : new String[] {null, "acme"}) {
      for (boolean newSession : new boolean[] {true, false}) {
        for (String device : new String[] {null, "dev-1"}) {
          EventEnvelope event = events.callCreated("rts_1", NOW,
              new TokenCallCreatedPayload("u-1", device, "rtc_9", 120L, newSession, tenant));
          assertThat(event.type()).isEqualTo(EventType.TOKEN_CALL_CREATED);
          assertThat(event.occurredAt()).isEqualTo(NOW);
          assertSameBytes(event, handBuiltCallCreated("u-1", device, "rtc_9", 120L, newSession, tenant));
        }
      }
    }
  }

  @Test
  void rotationFailedIsWhatWasHandBuilt() {
    for (String device : new String[] {null, "dev-1"}) {
      EventEnvelope event = events.rotationFailedEvent("rts_1", "u-1", device, "upstream_5xx", 3, 812);
      assertThat(event.type()).isEqualTo(EventType.TOKEN_ROTATION_FAILED);
      assertSameBytes(event, handBuiltRotationFailed("u-1", device, "upstream_5xx", 3, 812));
    }
  }

  @Test
  void upstreamRejectedIsWhatWasHandBuilt() {
    for (String device : new String[] {null, "dev-1"}) {
      EventEnvelope event = events.upstreamRejectedEvent("rts_1", 401, "rotate", "u-1", device);
      assertThat(event.type()).isEqualTo(EventType.TOKEN_UPSTREAM_REJECTED);
      assertSameBytes(event, handBuiltUpstreamRejected(401, "rotate", "u-1", device));
    }
  }

  @Test
  void deniedIsWhatWasHandBuiltWithEveryOptionalFieldPresentOrNot() {
    String[] maybe = {null, "x"};
    for (String user : maybe) {
      for (String device : maybe) {
        for (String detail : maybe) {
          for (String session : maybe) {
            EventEnvelope event = events.deniedEvent(session, "unauthenticated", user, device, "issue", detail);
            assertThat(event.type()).isEqualTo(EventType.TOKEN_DENIED);
            assertThat(event.sessionId()).isEqualTo(session);
            assertSameBytes(event, handBuiltDenied("unauthenticated", user, device, "issue", detail));
          }
        }
      }
    }
  }

  @Test
  void whatTheyWriteDecodesBack() {
    TokenEvents.Minted m = new TokenEvents.Minted("rts_1", "u-1", "acme", "dev-1", 600, Instant.ofEpochSecond(900),
        Instant.ofEpochSecond(800), 2, "m", "v", "fp", 4, 5);
    assertThat(TokenEventCodecs.decodeMinted(events.minted(m).payload()).rotateAt()).isEqualTo(800);
    assertThat(TokenEventCodecs.decodeRotationFailed(
        events.rotationFailedEvent("rts_1", "u-1", "d", "circuit_open", 1, 2).payload()).reissueToken()).isTrue();
  }

  private static void assertSameBytes(EventEnvelope event, JsonObject handBuilt) {
    assertThat(event.payload().encode()).isEqualTo(handBuilt.encode());
    assertThat(event.source()).isEqualTo("token-service");
  }

  private static JsonObject handBuiltMinted(TokenEvents.Minted m) {
    JsonObject payload = new JsonObject()
        .put("user_id", m.userId())
        .put("device_id", m.deviceId())
        .put("ttl_seconds", m.ttlSeconds())
        .put("expires_at", m.expiresAt().getEpochSecond())
        .put("rotate_at", m.rotateAt().getEpochSecond())
        .put("generation", m.generation())
        .put("model", m.model())
        .put("voice", m.voice())
        .put("secret_fingerprint", m.secretFingerprint())
        .put("upstream_ms", m.upstreamMs())
        .put("total_ms", m.totalMs());
    if (m.tenantId() != null) {
      payload.put("tenant_id", m.tenantId());
    }
    return payload;
  }

  private static JsonObject handBuiltRefreshed(TokenEvents.Refreshed r) {
    JsonObject payload = new JsonObject()
        .put("user_id", r.userId())
        .put("device_id", r.deviceId())
        .put("ttl_seconds", r.ttlSeconds())
        .put("expires_at", r.expiresAt().getEpochSecond())
        .put("refresh_at", r.refreshAt().getEpochSecond())
        .put("generation", r.generation())
        .put("model", r.model())
        .put("voice", r.voice())
        .put("total_ms", r.totalMs());
    if (r.tenantId() != null) {
      payload.put("tenant_id", r.tenantId());
    }
    return payload;
  }

  private static JsonObject handBuiltCallCreated(String userId, String deviceId, String callId, long upstreamMs,
                                                 boolean newSession, String tenant) {
    JsonObject payload = new JsonObject()
        .put("user_id", userId)
        .put("device_id", deviceId)
        .put("call_id", callId)
        .put("upstream_ms", upstreamMs)
        .put("new_session", newSession);
    if (tenant != null) {
      payload.put("tenant_id", tenant);
    }
    return payload;
  }

  private static JsonObject handBuiltRotationFailed(String userId, String deviceId, String reason, int attempts,
                                                    long totalMs) {
    return new JsonObject()
        .put("user_id", userId)
        .put("device_id", deviceId)
        .put("reason", reason)
        .put("attempts", attempts)
        .put("total_ms", totalMs)
        .put("reissue_token", true);
  }

  private static JsonObject handBuiltUpstreamRejected(int status, String operation, String userId, String deviceId) {
    return new JsonObject()
        .put("status", status)
        .put("operation", operation)
        .put("user_id", userId)
        .put("device_id", deviceId);
  }

  private static JsonObject handBuiltDenied(String reason, String userId, String deviceId, String operation,
                                            String detail) {
    JsonObject payload = new JsonObject().put("reason", reason).put("operation", operation);
    if (userId != null) {
      payload.put("user_id", userId);
    }
    if (deviceId != null) {
      payload.put("device_id", deviceId);
    }
    if (detail != null) {
      payload.put("detail", detail);
    }
    return payload;
  }
}
