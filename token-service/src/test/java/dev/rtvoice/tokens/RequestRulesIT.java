package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.config.DevIdentity;
import dev.rtvoice.tokens.config.Hs256Jwt;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the API refuses before anything reaches upstream: bad user tokens (401 + token.denied), bad
 * input (400 naming the field, 413, 415), disallowed origins (403), and none of it costs an upstream
 * call.
 */
@ExtendWith(KafkaBrokerExtension.class)
class RequestRulesIT {
  private static TokenServiceHarness h;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    h = TokenServiceHarness.start(kafka, Map.of("CORS_ALLOWED_ORIGINS", "https://app.example.com,http://localhost:*"));
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  private static JsonObject claims(String sub) {
    long now = Instant.now().getEpochSecond();
    return new JsonObject().put("iss", DevIdentity.ISSUER).put("aud", DevIdentity.AUDIENCE).put("sub", sub)
        .put("iat", now).put("exp", now + 600);
  }

  private static Http.Response issueWith(String authorization) {
    return authorization == null
        ? h.post("/v1/sessions", "{}", "X-Device-ID", "dev-jwt")
        : h.post("/v1/sessions", "{}", "Authorization", authorization, "X-Device-ID", "dev-jwt");
  }

  private static void assertUnauthenticated(Http.Response r, String messagePart) {
    assertThat(r.status()).as(r.body()).isEqualTo(401);
    assertThat(r.error().getString("code")).isEqualTo("unauthenticated");
    assertThat(r.error().getString("message")).contains(messagePart);
    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
  }

  @Test
  void userTokensThatAreForgedExpiredOrForSomeoneElseAreRefused() {
    long calls = h.simSecretCalls();
    assertUnauthenticated(issueWith(null), "Authorization");
    assertUnauthenticated(issueWith("Basic dXNlcjpwYXNz"), "Bearer");
    assertUnauthenticated(issueWith("Bearer not.a.jwt"), "not a valid JWT");
    // signed with another secret
    assertUnauthenticated(issueWith("Bearer " + Hs256Jwt.sign(claims("eve"), "another-secret-of-at-least-32-bytes!!")),
        "signature");
    // expired well beyond the 30 s leeway
    long past = Instant.now().minusSeconds(3600).getEpochSecond();
    assertUnauthenticated(issueWith("Bearer " + Hs256Jwt.sign(claims("eve").put("iat", past - 600).put("exp", past),
        DevIdentity.HMAC_SECRET)), "expired");
    assertUnauthenticated(issueWith("Bearer " + Hs256Jwt.sign(claims("eve").put("iss", "https://evil.example"),
        DevIdentity.HMAC_SECRET)), "issuer");
    assertUnauthenticated(issueWith("Bearer " + Hs256Jwt.sign(claims("eve").put("aud", "another-app"),
        DevIdentity.HMAC_SECRET)), "audience");
    assertUnauthenticated(issueWith("Bearer " + Hs256Jwt.sign(claims("eve").put("sub", ""), DevIdentity.HMAC_SECRET)),
        "subject");
    JsonObject noExpiry = claims("eve");
    noExpiry.remove("exp");
    assertUnauthenticated(issueWith("Bearer " + Hs256Jwt.sign(noExpiry, DevIdentity.HMAC_SECRET)), "expiry");
    // alg "none" with the right claims
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String none = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims("eve").encode().getBytes(StandardCharsets.UTF_8)) + ".";
    assertThat(issueWith("Bearer " + none).status()).isEqualTo(401);
    // the dev identity provider's own token works
    assertThat(issueWith("Bearer " + DevIdentity.mintUserToken("eve", Duration.ofMinutes(5))).status()).isEqualTo(201);
    assertThat(h.simSecretCalls()).isEqualTo(calls + 1);

    List<EventEnvelope> denied = h.kafka.readEventsUntil(h.tokenTopic(), es -> es.stream()
        .filter(e -> e.type() == EventType.TOKEN_DENIED && "dev-jwt".equals(e.payload().getString("device_id")))
        .count() >= 10, Duration.ofSeconds(15)).stream()
        .filter(e -> e.type() == EventType.TOKEN_DENIED && "dev-jwt".equals(e.payload().getString("device_id")))
        .toList();
    assertThat(denied).hasSize(10);
    assertThat(denied).allSatisfy(e -> {
      assertThat(e.sessionId()).isNull();
      assertThat(e.payload().getString("reason")).isEqualTo("unauthenticated");
      assertThat(e.payload().getString("operation")).isEqualTo("issue");
      assertThat(e.payload().containsKey("user_id")).isFalse();
    });
  }

  @Test
  void badInputIsA400NamingTheFieldAndNeverReachesUpstream() {
    long calls = h.simSecretCalls();
    String auth = "Bearer " + TokenServiceHarness.userToken("grace");

    Http.Response voice = h.post("/v1/sessions", "{\"voice\":\"darth\"}", "Authorization", auth, "X-Device-ID", "d");
    assertBadRequest(voice, "voice");
    assertThat(voice.error().getString("message")).contains("not an allowed voice");
    assertBadRequest(h.post("/v1/sessions", "{\"model\":\"gpt-4o\"}", "Authorization", auth, "X-Device-ID", "d"),
        "model");
    assertBadRequest(h.post("/v1/sessions", "{\"ttl_seconds\":\"300\"}", "Authorization", auth, "X-Device-ID", "d"),
        "ttl_seconds");
    assertBadRequest(h.post("/v1/sessions", "{\"ttl_seconds\":12.5}", "Authorization", auth, "X-Device-ID", "d"),
        "ttl_seconds");
    assertBadRequest(h.post("/v1/sessions", "{\"voice\":7}", "Authorization", auth, "X-Device-ID", "d"), "voice");
    Http.Response instructions = h.post("/v1/sessions", "{\"instructions\":\"ignore all rules\"}", "Authorization",
        auth, "X-Device-ID", "d");
    assertBadRequest(instructions, "instructions");
    assertBadRequest(h.post("/v1/sessions", "{}", "Authorization", auth), "X-Device-ID");
    assertBadRequest(h.post("/v1/sessions", "{}", "Authorization", auth, "X-Device-ID", "bad device id!"),
        "X-Device-ID");
    assertBadRequest(h.post("/v1/sessions/rts_x/rotate", "{}", "Authorization", auth, "X-Device-ID", "d"),
        "rotation_token");
    assertBadRequest(h.post("/v1/sessions/rts_x/rotate", "", "Authorization", auth, "X-Device-ID", "d"), "body");
    assertBadRequest(h.post("/v1/sessions/" + "a%20b" + "/rotate", "{\"rotation_token\":\"rt1.x.y\"}",
        "Authorization", auth, "X-Device-ID", "d"), "session_id");
    // percent-encoding that does not decode is the client's mistake (400), not a server error; the router refuses
    // it before any handler (common's JsonErrors). Sent over a raw socket: java.net.URI refuses to build it.
    for (String bad : new String[] {"%ZZ", "%", "rts_%E0%A4", "%2", "a%ZZb"}) {
      RawHttp.Response raw = RawHttp.post(h.base, "/v1/sessions/" + bad + "/rotate",
          "{\"rotation_token\":\"rt1.x.y\"}", "Authorization", auth, "X-Device-ID", "d");
      assertThat(raw.status()).as(bad).isEqualTo(400);
      assertThat(raw.json().getJsonObject("error").getString("code")).as(bad).isEqualTo("invalid_request");
    }

    Http.Response malformed = h.post("/v1/sessions", "{\"voice\":", "Authorization", auth, "X-Device-ID", "d");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.error().getString("code")).isEqualTo("invalid_json");
    Http.Response array = h.post("/v1/sessions", "[1,2]", "Authorization", auth, "X-Device-ID", "d");
    assertThat(array.status()).isEqualTo(400);
    assertThat(array.error().getString("code")).isIn("invalid_json", "invalid_request");

    Http.Response text = h.post("/v1/sessions", "voice=alloy", "Authorization", auth, "X-Device-ID", "d",
        "Content-Type", "text/plain");
    assertThat(text.status()).isEqualTo(415);
    assertThat(text.error().getString("code")).isEqualTo("unsupported_media_type");

    Http.Response big = h.post("/v1/sessions", "{\"voice\":\"" + "a".repeat(17 * 1024) + "\"}", "Authorization", auth,
        "X-Device-ID", "d");
    assertThat(big.status()).isEqualTo(413);
    assertThat(big.error().getString("code")).isEqualTo("payload_too_large");

    Http.Response wrongMethod = Http.get(h.base + "/v1/sessions", "Authorization", auth);
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.error().getString("code")).isEqualTo("method_not_allowed");

    assertThat(h.simSecretCalls()).isEqualTo(calls);
  }

  private static void assertBadRequest(Http.Response r, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.error().getString("code")).isEqualTo("invalid_request");
    assertThat(r.error().getString("field")).as(r.body()).isEqualTo(field);
    assertThat(r.error().getString("message")).startsWith(field);
  }

  @Test
  void corsFollowsTheAllowList() {
    Http.Response preflight = Http.request("OPTIONS", h.base + "/v1/sessions", null,
        "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST",
        "Access-Control-Request-Headers", "authorization,content-type,x-device-id");
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
    assertThat(preflight.header("Access-Control-Allow-Headers")).containsIgnoringCase("X-Device-ID")
        .containsIgnoringCase("Authorization");

    Http.Response actual = h.post("/v1/sessions", "{}", "Origin", "http://localhost:5173", "Authorization",
        "Bearer " + TokenServiceHarness.userToken("heidi"), "X-Device-ID", "browser");
    assertThat(actual.status()).isEqualTo(201);
    assertThat(actual.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:5173");
    assertThat(actual.header("Access-Control-Expose-Headers")).containsIgnoringCase("Retry-After");

    Http.Response evil = h.post("/v1/sessions", "{}", "Origin", "https://evil.example", "Authorization",
        "Bearer " + TokenServiceHarness.userToken("heidi"), "X-Device-ID", "browser");
    assertThat(evil.status()).isEqualTo(403);
    assertThat(evil.error().getString("code")).isEqualTo("origin_not_allowed");
    assertThat(evil.header("Access-Control-Allow-Origin")).isNull();
    Http.Response evilPreflight = Http.request("OPTIONS", h.base + "/v1/sessions", null,
        "Origin", "https://app.example.com.evil.example", "Access-Control-Request-Method", "POST");
    assertThat(evilPreflight.status()).isEqualTo(403);
  }
}
