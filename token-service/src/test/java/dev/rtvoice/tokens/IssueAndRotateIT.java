package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.domain.SecretFingerprint;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Issue and rotate against upstream-sim over HTTP, with every event read back from the real broker. */
@ExtendWith(KafkaBrokerExtension.class)
class IssueAndRotateIT {
  private static TokenServiceHarness h;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    h = TokenServiceHarness.start(kafka);
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  private static EventEnvelope awaitEvent(Predicate<EventEnvelope> match) {
    List<EventEnvelope> events = h.kafka.readEventsUntil(h.tokenTopic(), es -> es.stream().anyMatch(match),
        Duration.ofSeconds(15));
    return events.stream().filter(match).findFirst()
        .orElseThrow(() -> new AssertionError("no matching event among " + events.size() + " on " + h.tokenTopic()));
  }

  @Test
  void issuesAClientSecretInBothOpenAiShapesWithARotationToken() {
    long now = Instant.now().getEpochSecond();
    Http.Response r = h.issue("alice", "phone-1", new JsonObject().put("voice", "cedar").put("ttl_seconds", 120));

    assertThat(r.status()).isEqualTo(201);
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    JsonObject body = r.json();
    String sessionId = body.getString("session_id");
    assertThat(sessionId).startsWith("rts_");
    String secret = body.getString("value");
    assertThat(secret).startsWith("ek_");
    assertThat(body.getLong("expires_at")).isBetween(now + 119, now + 121);
    assertThat(body.getJsonObject("client_secret").getString("value")).isEqualTo(secret);
    assertThat(body.getJsonObject("client_secret").getLong("expires_at")).isEqualTo(body.getLong("expires_at"));
    assertThat(body.getJsonObject("session").getJsonObject("audio").getJsonObject("output").getString("voice"))
        .isEqualTo("cedar");
    assertThat(body.getJsonObject("session").getString("model")).isEqualTo("gpt-realtime");
    assertThat(body.getLong("rotate_at")).isEqualTo(body.getLong("expires_at") - 30);
    assertThat(body.getInteger("ttl_seconds")).isEqualTo(120);
    assertThat(body.getInteger("generation")).isZero();
    assertThat(body.getLong("rotation_token_expires_at")).isEqualTo(body.getLong("expires_at") + 60);
    // the secret is real: upstream-sim knows it and agrees on its expiry
    JsonObject valid = h.validateSecret(secret);
    assertThat(valid.getBoolean("valid")).isTrue();
    assertThat(valid.getLong("expires_at")).isEqualTo(body.getLong("expires_at"));
    // the rotation token is common's signed handle, bound to user, device and session
    SessionHandle handle = new SessionHandleCodec(SessionHandleCodec.DEV_KEY, null, Clock.systemUTC())
        .verify(body.getString("rotation_token"));
    assertThat(handle.sessionId()).isEqualTo(sessionId);
    assertThat(handle.userId()).isEqualTo("alice");
    assertThat(handle.deviceId()).isEqualTo("phone-1");
    assertThat(handle.generation()).isZero();
    assertThat(handle.secretExpiresAt().getEpochSecond()).isEqualTo(body.getLong("expires_at"));

    EventEnvelope issued = awaitEvent(e -> e.type() == EventType.TOKEN_ISSUED && sessionId.equals(e.sessionId()));
    JsonObject p = issued.payload();
    assertThat(p.getString("user_id")).isEqualTo("alice");
    assertThat(p.getString("device_id")).isEqualTo("phone-1");
    assertThat(p.getInteger("ttl_seconds")).isEqualTo(120);
    assertThat(p.getLong("expires_at")).isEqualTo(body.getLong("expires_at"));
    assertThat(p.getLong("rotate_at")).isEqualTo(body.getLong("rotate_at"));
    assertThat(p.getInteger("generation")).isZero();
    assertThat(p.getString("model")).isEqualTo("gpt-realtime");
    assertThat(p.getString("voice")).isEqualTo("cedar");
    assertThat(p.getString("secret_fingerprint")).isEqualTo(SecretFingerprint.of(secret)).hasSize(8);
    assertThat(p.getLong("upstream_ms")).isGreaterThanOrEqualTo(0);
    assertThat(p.getLong("total_ms")).isGreaterThanOrEqualTo(p.getLong("upstream_ms"));
    assertThat(issued.source()).isEqualTo("token-service");
    assertThat(p.encode()).doesNotContain(secret);
  }

  @Test
  void rotatesTheSameSessionWithTheSameSettingsAgainAndAgain() {
    JsonObject first = h.issue("bob", "laptop", new JsonObject().put("voice", "alloy").put("ttl_seconds", 90)).json();
    String sessionId = first.getString("session_id");

    Http.Response r1 = h.rotate("bob", "laptop", sessionId, first.getString("rotation_token"));
    assertThat(r1.status()).isEqualTo(200);
    JsonObject second = r1.json();
    assertThat(second.getString("session_id")).isEqualTo(sessionId);
    assertThat(second.getString("value")).isNotEqualTo(first.getString("value"));
    assertThat(second.getInteger("generation")).isEqualTo(1);
    assertThat(second.getInteger("ttl_seconds")).isEqualTo(90);
    assertThat(second.getJsonObject("session").getJsonObject("audio").getJsonObject("output").getString("voice"))
        .isEqualTo("alloy");
    assertThat(second.getString("rotation_token")).isNotEqualTo(first.getString("rotation_token"));
    assertThat(h.validateSecret(second.getString("value")).getBoolean("valid")).isTrue();

    JsonObject third = h.rotate("bob", "laptop", sessionId, second.getString("rotation_token")).json();
    assertThat(third.getInteger("generation")).isEqualTo(2);

    EventEnvelope rotated = awaitEvent(e -> e.type() == EventType.TOKEN_ROTATED && sessionId.equals(e.sessionId())
        && e.payload().getInteger("generation") == 2);
    assertThat(rotated.payload().getString("voice")).isEqualTo("alloy");
    assertThat(rotated.payload().getInteger("ttl_seconds")).isEqualTo(90);
    assertThat(rotated.payload().getString("secret_fingerprint")).isEqualTo(SecretFingerprint.of(third.getString(
        "value")));
  }

  @Test
  void rotationFromAnotherDeviceUserOrSessionIsForbidden() {
    JsonObject carol = h.issue("carol", "tablet", null).json();
    JsonObject other = h.issue("carol", "tablet", null).json();
    String sessionId = carol.getString("session_id");
    String token = carol.getString("rotation_token");

    Http.Response otherDevice = h.rotate("carol", "stolen-phone", sessionId, token);
    assertThat(otherDevice.status()).isEqualTo(403);
    assertThat(otherDevice.error().getString("code")).isEqualTo("forbidden");
    assertThat(otherDevice.error().getString("message")).contains("another device");

    Http.Response otherUser = h.rotate("mallory", "tablet", sessionId, token);
    assertThat(otherUser.status()).isEqualTo(403);
    assertThat(otherUser.error().getString("message")).contains("another user");

    Http.Response otherSession = h.rotate("carol", "tablet", other.getString("session_id"), token);
    assertThat(otherSession.status()).isEqualTo(403);
    assertThat(otherSession.error().getString("message")).contains("another session");

    EventEnvelope denied = awaitEvent(e -> e.type() == EventType.TOKEN_DENIED && sessionId.equals(e.sessionId())
        && "forbidden".equals(e.payload().getString("reason")));
    assertThat(denied.payload().getString("operation")).isEqualTo("rotate");
    assertThat(denied.payload().getString("user_id")).isIn("carol", "mallory");
  }

  @Test
  void forgedAndExpiredRotationTokensAnswerSessionExpired() {
    JsonObject dave = h.issue("dave", "watch", null).json();
    String sessionId = dave.getString("session_id");
    String token = dave.getString("rotation_token");

    // signed with another key: a forgery (or a key rotated away without SESSION_HANDLE_PREVIOUS_KEY)
    SessionHandle claims = new SessionHandleCodec(SessionHandleCodec.DEV_KEY, null, Clock.systemUTC()).verify(token);
    String forged = new SessionHandleCodec("x".repeat(40), null, Clock.systemUTC()).sign(claims);
    Http.Response f = h.rotate("dave", "watch", sessionId, forged);
    assertThat(f.status()).isEqualTo(401);
    assertThat(f.error().getString("code")).isEqualTo("session_expired");
    assertThat(f.error().getBoolean("reissue_token")).isTrue();

    // a tampered body with the original signature
    String[] parts = token.split("\\.");
    String tampered = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2) + "AA." + parts[2];
    assertThat(h.rotate("dave", "watch", sessionId, tampered).status()).isEqualTo(401);
    assertThat(h.rotate("dave", "watch", sessionId, "not-a-token").status()).isEqualTo(401);

    // correctly signed but past its expiry (the secret's expiry plus the grace)
    Instant past = Instant.now().minusSeconds(600);
    String expired = new SessionHandleCodec(SessionHandleCodec.DEV_KEY, null, Clock.systemUTC()).sign(
        new SessionHandle(sessionId, "dave", "watch", 3, past, past.plusSeconds(300), past.plusSeconds(360)));
    Http.Response e = h.rotate("dave", "watch", sessionId, expired);
    assertThat(e.status()).isEqualTo(401);
    assertThat(e.error().getString("code")).isEqualTo("session_expired");
    assertThat(e.error().getString("message")).contains("expired");

    EventEnvelope denied = awaitEvent(ev -> ev.type() == EventType.TOKEN_DENIED && sessionId.equals(ev.sessionId())
        && "session_expired".equals(ev.payload().getString("reason")));
    assertThat(denied.payload().getString("detail")).isEqualTo("expired");
    assertThat(awaitEvent(ev -> ev.type() == EventType.TOKEN_DENIED && sessionId.equals(ev.sessionId())
        && "unauthenticated".equals(ev.payload().getString("reason"))).payload().getString("detail"))
        .isIn("forged", "malformed");
  }

  @Test
  void aRotationTokenStillRotatesDuringTheGraceAfterItsSecretExpired() {
    JsonObject erin = h.issue("erin", "desk", null).json();
    String sessionId = erin.getString("session_id");
    Instant now = Instant.now();
    String inGrace = new SessionHandleCodec(SessionHandleCodec.DEV_KEY, null, Clock.systemUTC()).sign(
        new SessionHandle(sessionId, "erin", "desk", 0, now.minusSeconds(320), now.minusSeconds(20),
            now.plusSeconds(40)));
    Http.Response r = h.rotate("erin", "desk", sessionId, inGrace);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getInteger("generation")).isEqualTo(1);
  }

  @Test
  void ttlIsClampedIntoSixtyToThreeHundredSeconds() {
    long now = Instant.now().getEpochSecond();
    JsonObject low = h.issue("frank", "d1", new JsonObject().put("ttl_seconds", 5)).json();
    assertThat(low.getInteger("ttl_seconds")).isEqualTo(60);
    assertThat(low.getLong("expires_at")).isBetween(now + 59, now + 61);
    JsonObject high = h.issue("frank", "d1", new JsonObject().put("ttl_seconds", 3600)).json();
    assertThat(high.getInteger("ttl_seconds")).isEqualTo(300);
    assertThat(h.validateSecret(high.getString("value")).getLong("expires_at")).isBetween(now + 299, now + 301);
    JsonObject absent = h.issue("frank", "d1", null).json();
    assertThat(absent.getInteger("ttl_seconds")).isEqualTo(300);
  }
}
