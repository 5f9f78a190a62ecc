package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code POST /v1/sessions/{id}/refresh} for sessions begun by a server-created call: a chain of new
 * rotation tokens across two instances that share only Kafka (the rotation ledger) and the simulator,
 * none of them a client secret and none of them an upstream call; the same one-use rule as rotation
 * (a superseded token revokes the session, for refreshes, rotations and calls alike), the same binding
 * to user and device, expiry, and {@code token.refreshed} on the real broker.
 */
@ExtendWith(KafkaBrokerExtension.class)
class RefreshIT {
  private static final Map<String, String> ENV = Map.of("ROTATION_REPLAY_GRACE", "5s",
      "RATE_LIMIT_USER_PER_MINUTE", "0", "RATE_LIMIT_DEVICE_PER_MINUTE", "0");
  private static TokenServiceHarness a;
  private static TokenServiceHarness b;
  private static Vertx peerVertx;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    a = TokenServiceHarness.start(kafka, ENV);
    b = TokenServiceHarness.another(a, ENV);
    peerVertx = Vertx.vertx();
    HttpServer peer = peerVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body ->
        req.response().putHeader("content-type", "application/sdp").end(CallCreationIT.ANSWER)))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    assertThat(Http.put(a.sim + "/admin/media-peer",
        new JsonObject().put("url", "http://127.0.0.1:" + peer.actualPort() + "/answer").encode()).status())
        .isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    b.close();
    a.close();
    peerVertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A server-created call of the user's device: of a new session, or of the session of {@code rotationToken}. */
  private static Http.Response call(TokenServiceHarness on, String user, String device, String rotationToken) {
    JsonObject body = new JsonObject().put("sdp", CallCreationIT.OFFER);
    if (rotationToken != null) {
      body.put("rotation_token", rotationToken);
    }
    return on.post("/v1/realtime/calls", body.encode(), "Authorization", "Bearer "
        + TokenServiceHarness.userToken(user), "X-Device-ID", device);
  }

  private static JsonObject ok(Http.Response r) {
    assertThat(r.status()).as(r.body()).isIn(200, 201);
    return r.json();
  }

  private static JsonObject refreshed(TokenServiceHarness on, String user, String device, JsonObject from) {
    Http.Response r = on.refresh(user, device, from.getString("session_id"), from.getString("rotation_token"));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    return r.json();
  }

  private static void assertRefused(Http.Response r, String messagePart) {
    assertThat(r.status()).as(r.body()).isEqualTo(401);
    assertThat(r.error().getString("code")).isEqualTo("session_expired");
    assertThat(r.error().getBoolean("reissue_token")).isTrue();
    assertThat(r.error().getString("message")).contains(messagePart);
  }

  private static List<EventEnvelope> tokenEvents(Predicate<List<EventEnvelope>> until) {
    return a.kafka.readEventsUntil(a.tokenTopic(), until, Duration.ofSeconds(15));
  }

  private static SessionHandle claims(String token) {
    return new SessionHandleCodec(SessionHandleCodec.DEV_KEY, null, Clock.systemUTC()).verify(token);
  }

  @Test
  void aServerModeSessionRefreshesItsHandleOverSeveralGenerationsWithoutAnySecretOrUpstreamCall() {
    JsonObject begun = ok(call(a, "ada", "ada-laptop", null));
    String sessionId = begun.getString("session_id");
    long secretCalls = a.simSecretCalls();
    int upstreamCalls = a.simState().getJsonArray("calls").size();
    double refreshesBefore = a.metric("token_requests_total", "code=\"ok\",operation=\"refresh\"")
        + b.metric("token_requests_total", "code=\"ok\",operation=\"refresh\"");

    JsonObject current = begun;
    for (int generation = 1; generation <= 4; generation++) {
      long before = Instant.now().getEpochSecond();
      JsonObject next = refreshed(generation % 2 == 0 ? b : a, "ada", "ada-laptop", current);
      assertThat(next.fieldNames()).containsExactlyInAnyOrder("session_id", "generation", "rotation_token",
          "rotation_token_expires_at", "expires_at", "refresh_at", "ttl_seconds");
      assertThat(next.getString("session_id")).isEqualTo(sessionId);
      assertThat(next.getInteger("generation")).isEqualTo(generation);
      assertThat(next.getString("rotation_token")).isNotEqualTo(current.getString("rotation_token"));
      // the new handle covers the session's TTL from now, plus the grace (default 300 s and 60 s)
      assertThat(next.getLong("expires_at")).isBetween(before + 300, Instant.now().getEpochSecond() + 300);
      assertThat(next.getLong("rotation_token_expires_at")).isEqualTo(next.getLong("expires_at") + 60);
      assertThat(next.getLong("refresh_at")).isEqualTo(next.getLong("expires_at") - 30);
      SessionHandle handle = claims(next.getString("rotation_token"));
      assertThat(handle.generation()).isEqualTo(generation);
      assertThat(handle.userId()).isEqualTo("ada");
      assertThat(handle.deviceId()).isEqualTo("ada-laptop");
      assertThat(handle.expiresAt().getEpochSecond()).isEqualTo(next.getLong("rotation_token_expires_at"));
      current = next;
    }
    assertThat(a.simSecretCalls()).as("a refresh mints no secret").isEqualTo(secretCalls);
    assertThat(a.simState().getJsonArray("calls")).as("nor creates a call").hasSize(upstreamCalls);
    assertThat(a.metric("token_requests_total", "code=\"ok\",operation=\"refresh\"")
        + b.metric("token_requests_total", "code=\"ok\",operation=\"refresh\"")).isEqualTo(refreshesBefore + 4);

    // the refreshed handle makes the session's next call (a hand-over)
    JsonObject next = ok(call(b, "ada", "ada-laptop", current.getString("rotation_token")));
    assertThat(next.getString("session_id")).isEqualTo(sessionId);

    // one token.refreshed per generation, no secret in any, and no token.rotated for the session
    List<EventEnvelope> events = tokenEvents(es -> es.stream().filter(e -> e.type() == EventType.TOKEN_REFRESHED
        && sessionId.equals(e.sessionId())).count() >= 4);
    List<EventEnvelope> refreshes = events.stream().filter(e -> e.type() == EventType.TOKEN_REFRESHED
        && sessionId.equals(e.sessionId())).toList();
    assertThat(refreshes).extracting(e -> e.payload().getInteger("generation")).containsExactly(1, 2, 3, 4);
    JsonObject last = refreshes.get(3).payload();
    assertThat(last.getString("user_id")).isEqualTo("ada");
    assertThat(last.getString("device_id")).isEqualTo("ada-laptop");
    assertThat(last.getLong("expires_at")).isEqualTo(current.getLong("expires_at"));
    assertThat(last.getLong("refresh_at")).isEqualTo(current.getLong("refresh_at"));
    assertThat(last.getInteger("ttl_seconds")).isEqualTo(300);
    assertThat(last.containsKey("secret_fingerprint")).isFalse();
    assertThat(last.containsKey("upstream_ms")).isFalse();
    assertThat(events).noneMatch(e -> e.type() == EventType.TOKEN_ROTATED && sessionId.equals(e.sessionId()));
    assertThat(events).noneMatch(e -> e.type() == EventType.TOKEN_ISSUED && sessionId.equals(e.sessionId()));
  }

  @Test
  void aReusedOldTokenRevokesTheSessionOnEveryInstanceForRefreshesRotationsAndCalls() {
    JsonObject g0 = ok(call(a, "bob", "bob-phone", null));
    String sessionId = g0.getString("session_id");
    JsonObject g1 = refreshed(a, "bob", "bob-phone", g0);
    JsonObject g2 = refreshed(b, "bob", "bob-phone", g1);
    double reusedBefore = a.metric("token_denied_total", "reason=\"reused\"");

    // generation 0 after 1 and 2 were handed out: a second use (not the retry of the latest answer)
    Http.Response reuse = a.refresh("bob", "bob-phone", sessionId, g0.getString("rotation_token"));
    assertRefused(reuse, "already used");
    assertThat(a.metric("token_denied_total", "reason=\"reused\"")).isEqualTo(reusedBefore + 1);

    // the family is revoked everywhere: the latest token neither refreshes, rotates nor makes a call
    assertRefused(b.refresh("bob", "bob-phone", sessionId, g2.getString("rotation_token")), "revoked");
    assertRefused(a.rotate("bob", "bob-phone", sessionId, g2.getString("rotation_token")), "revoked");
    assertRefused(call(b, "bob", "bob-phone", g2.getString("rotation_token")), "revoked");

    List<EventEnvelope> events = tokenEvents(es -> es.stream().anyMatch(e -> e.type() == EventType.TOKEN_DENIED
        && sessionId.equals(e.sessionId()) && "reused".equals(e.payload().getString("reason"))));
    EventEnvelope denied = events.stream().filter(e -> e.type() == EventType.TOKEN_DENIED
        && sessionId.equals(e.sessionId()) && "reused".equals(e.payload().getString("reason"))).findFirst()
        .orElseThrow();
    assertThat(denied.payload().getString("operation")).isEqualTo("refresh");
    assertThat(denied.payload().getString("detail")).isEqualTo("generation 0, latest 2");
  }

  @Test
  void aRetryAfterALostAnswerGetsTheSameAnswerButTheOtherOperationWithThatTokenIsASecondUse() {
    JsonObject g0 = ok(call(a, "cleo", "cleo-tab", null));
    String sessionId = g0.getString("session_id");
    JsonObject first = refreshed(a, "cleo", "cleo-tab", g0);
    assertThat(refreshed(b, "cleo", "cleo-tab", g0)).as("a retry inside the grace").isEqualTo(first);

    // a rotation with the token a refresh already spent would hand out a secret on a spent token
    long secretCalls = a.simSecretCalls();
    assertRefused(b.rotate("cleo", "cleo-tab", sessionId, g0.getString("rotation_token")), "already used");
    assertThat(a.simSecretCalls()).isEqualTo(secretCalls);
    assertRefused(a.refresh("cleo", "cleo-tab", sessionId, first.getString("rotation_token")), "revoked");
  }

  @Test
  void anotherDeviceOrUserIsForbiddenAndAnExpiredTokenIsRefused() {
    JsonObject g0 = ok(call(a, "dora", "dora-laptop", null));
    String sessionId = g0.getString("session_id");
    String token = g0.getString("rotation_token");

    Http.Response otherDevice = a.refresh("dora", "dora-phone", sessionId, token);
    assertThat(otherDevice.status()).isEqualTo(403);
    assertThat(otherDevice.error().getString("code")).isEqualTo("forbidden");
    assertThat(otherDevice.error().getString("message")).contains("another device");
    Http.Response otherUser = b.refresh("mallory", "dora-laptop", sessionId, token);
    assertThat(otherUser.status()).isEqualTo(403);
    assertThat(otherUser.error().getString("message")).contains("another user");

    // correctly signed, of this user and device, but past its expiry
    Instant past = Instant.now().minusSeconds(600);
    String expired = new SessionHandleCodec(SessionHandleCodec.DEV_KEY, null, Clock.systemUTC()).sign(
        new SessionHandle(sessionId, "dora", "dora-laptop", 0, past, past.plusSeconds(300), past.plusSeconds(360)));
    assertRefused(a.refresh("dora", "dora-laptop", sessionId, expired), "expired");

    // none of the refusals spent the token: it still refreshes
    assertThat(refreshed(b, "dora", "dora-laptop", g0).getInteger("generation")).isEqualTo(1);

    List<EventEnvelope> events = tokenEvents(es -> es.stream().filter(e -> e.type() == EventType.TOKEN_DENIED
        && sessionId.equals(e.sessionId())).count() >= 3);
    assertThat(events.stream().filter(e -> e.type() == EventType.TOKEN_DENIED && sessionId.equals(e.sessionId()))
        .map(EventEnvelope::payload).toList())
        .allMatch(p -> "refresh".equals(p.getString("operation")))
        .extracting(p -> p.getString("reason") + "/" + p.getString("detail"))
        .contains("forbidden/other_device", "forbidden/other_user", "session_expired/expired");
  }
}
