package dev.rtvoice.upstreamsim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClientSecretEndpointsTest {
  private SimHarness sim;

  @BeforeEach
  void start() throws Exception {
    sim = new SimHarness(Map.of());
  }

  @AfterEach
  void stop() throws Exception {
    sim.close();
  }

  private static JsonObject request(int seconds) {
    return new JsonObject()
        .put("expires_after", new JsonObject().put("anchor", "created_at").put("seconds", seconds))
        .put("session", new JsonObject().put("type", "realtime").put("model", "gpt-realtime")
            .put("audio", new JsonObject().put("output", new JsonObject().put("voice", "marin"))));
  }

  @Test
  void clientSecretHasOpenAiShape() throws Exception {
    long now = Instant.now().getEpochSecond();
    HttpResponse<Buffer> r = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, request(120));
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("value")).startsWith("ek_").hasSizeGreaterThan(20);
    assertThat(body.getLong("expires_at")).isBetween(now + 119, now + 121);
    JsonObject session = body.getJsonObject("session");
    assertThat(session.getString("object")).isEqualTo("realtime.session");
    assertThat(session.getString("id")).startsWith("sess_");
    assertThat(session.getString("model")).isEqualTo("gpt-realtime");
    assertThat(session.getJsonObject("audio").getJsonObject("output").getString("voice")).isEqualTo("marin");

    HttpResponse<Buffer> valid = sim.admin(HttpMethod.POST, "/admin/secrets/validate",
        new JsonObject().put("value", body.getString("value")));
    assertThat(valid.bodyAsJsonObject().getBoolean("valid")).isTrue();
    assertThat(sim.admin(HttpMethod.POST, "/admin/secrets/validate", new JsonObject().put("value", "ek_forged"))
        .bodyAsJsonObject().getBoolean("valid")).isFalse();
  }

  @Test
  void defaultExpiryIs600SecondsAndBoundsAreUpstreams() throws Exception {
    long now = Instant.now().getEpochSecond();
    JsonObject body = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).bodyAsJsonObject();
    assertThat(body.getLong("expires_at")).isBetween(now + 599, now + 601);

    HttpResponse<Buffer> low = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, request(9));
    assertThat(low.statusCode()).isEqualTo(400);
    JsonObject error = low.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("param")).isEqualTo("expires_after.seconds");
    assertThat(error.getString("code")).isEqualTo("integer_below_min_value");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");

    HttpResponse<Buffer> high = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, request(7201));
    assertThat(high.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("integer_above_max_value");

    HttpResponse<Buffer> anchor = sim.post("/v1/realtime/client_secrets", SimHarness.KEY,
        new JsonObject().put("expires_after", new JsonObject().put("anchor", "now")));
    assertThat(anchor.bodyAsJsonObject().getJsonObject("error").getString("param")).isEqualTo("expires_after.anchor");

    HttpResponse<Buffer> malformed = sim.request(HttpMethod.POST, "/v1/realtime/client_secrets")
        .bearerTokenAuthentication(SimHarness.KEY).sendBuffer(Buffer.buffer("{oops")).await(5, TimeUnit.SECONDS);
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("could not parse");
  }

  @Test
  void olderSessionsEndpointPutsTheKeyInClientSecret() throws Exception {
    long now = Instant.now().getEpochSecond();
    HttpResponse<Buffer> r = sim.post("/v1/realtime/sessions", SimHarness.KEY,
        new JsonObject().put("model", "gpt-4o-realtime-preview").put("voice", "verse"));
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("object")).isEqualTo("realtime.session");
    assertThat(body.getString("voice")).isEqualTo("verse");
    JsonObject secret = body.getJsonObject("client_secret");
    assertThat(secret.getString("value")).startsWith("ek_");
    assertThat(secret.getLong("expires_at")).isBetween(now + 59, now + 61);

    JsonObject longer = sim.post("/v1/realtime/sessions", SimHarness.KEY, new JsonObject().put("client_secret",
        new JsonObject().put("expires_after", new JsonObject().put("anchor", "created_at").put("seconds", 300))))
        .bodyAsJsonObject();
    assertThat(longer.getJsonObject("client_secret").getLong("expires_at")).isBetween(now + 299, now + 301);
  }

  @Test
  void wrongOrMissingKeyIs401InOpenAisShapeWithoutEchoingTheKey() throws Exception {
    for (String key : new String[] {"sk-wrong-key-123", null}) {
      HttpResponse<Buffer> r = sim.post("/v1/realtime/client_secrets", key, new JsonObject());
      assertThat(r.statusCode()).isEqualTo(401);
      JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("invalid_api_key");
      assertThat(error.getString("type")).isEqualTo("invalid_request_error");
      assertThat(r.bodyAsString()).doesNotContain("sk-wrong");
    }
    assertThat(sim.post("/v1/realtime/sessions", "sk-nope", new JsonObject()).statusCode()).isEqualTo(401);
  }

  @Test
  void injectedFaultsHitTheNextCallsInOrder() throws Exception {
    sim.admin(HttpMethod.POST, "/admin/faults", new JsonObject().put("target", "client_secrets").put("status", 500)
        .put("count", 2));
    sim.admin(HttpMethod.POST, "/admin/faults", new JsonObject().put("target", "client_secrets").put("status", 429)
        .put("retry_after_s", 3));
    sim.admin(HttpMethod.POST, "/admin/faults", new JsonObject().put("target", "client_secrets").put("status", 401));

    HttpResponse<Buffer> first = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject());
    HttpResponse<Buffer> second = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject());
    assertThat(first.statusCode()).isEqualTo(500);
    assertThat(first.bodyAsJsonObject().getJsonObject("error").getString("type")).isEqualTo("server_error");
    assertThat(second.statusCode()).isEqualTo(500);

    HttpResponse<Buffer> limited = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject());
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.getHeader("Retry-After")).isEqualTo("3");
    assertThat(limited.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("rate_limit_exceeded");

    HttpResponse<Buffer> revoked = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject());
    assertThat(revoked.statusCode()).isEqualTo(401);

    assertThat(sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).statusCode()).isEqualTo(200);
  }

  @Test
  void faultsOnOneEndpointLeaveTheOtherAlone() throws Exception {
    sim.admin(HttpMethod.POST, "/admin/faults", new JsonObject().put("target", "sessions").put("status", 503));
    assertThat(sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).statusCode()).isEqualTo(200);
    assertThat(sim.post("/v1/realtime/sessions", SimHarness.KEY, new JsonObject()).statusCode()).isEqualTo(503);
  }

  @Test
  void delayedCallLooksLikeATimeoutToAnImpatientCaller() throws Exception {
    sim.admin(HttpMethod.POST, "/admin/faults", new JsonObject().put("delay_ms", 1500));
    long start = System.nanoTime();
    try {
      sim.request(HttpMethod.POST, "/v1/realtime/client_secrets").bearerTokenAuthentication(SimHarness.KEY)
          .timeout(300).sendJsonObject(new JsonObject()).await(5, TimeUnit.SECONDS);
      throw new AssertionError("expected a timeout");
    } catch (RuntimeException | TimeoutException e) {
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500);
    }
    // the fault was used by that call; the next one is fast
    long t0 = System.nanoTime();
    assertThat(sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).statusCode()).isEqualTo(200);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
  }

  @Test
  void addedLatencyAppliesToEveryCall() throws Exception {
    sim.admin(HttpMethod.PUT, "/admin/latency", new JsonObject().put("http_ms", 300));
    long start = System.nanoTime();
    assertThat(sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).statusCode()).isEqualTo(200);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(290);
  }

  @Test
  void keysCanBeMadeToExpireEarly() throws Exception {
    String value = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, new JsonObject()).bodyAsJsonObject()
        .getString("value");
    sim.admin(HttpMethod.POST, "/admin/secrets/expire", new JsonObject().put("value", value));
    assertThat(sim.admin(HttpMethod.POST, "/admin/secrets/validate", new JsonObject().put("value", value))
        .bodyAsJsonObject().getBoolean("valid")).isFalse();

    sim.admin(HttpMethod.PUT, "/admin/secrets/ttl", new JsonObject().put("seconds", 5));
    long now = Instant.now().getEpochSecond();
    JsonObject shortLived = sim.post("/v1/realtime/client_secrets", SimHarness.KEY, request(600)).bodyAsJsonObject();
    assertThat(shortLived.getLong("expires_at")).isBetween(now + 4, now + 6);
  }

  @Test
  void badAdminInputIsA400ThatNamesTheField() throws Exception {
    HttpResponse<Buffer> r = sim.admin(HttpMethod.POST, "/admin/faults", new JsonObject().put("status", "500"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("field")).isEqualTo("status");
    HttpResponse<Buffer> target = sim.admin(HttpMethod.POST, "/admin/faults", new JsonObject().put("target", "x"));
    assertThat(target.bodyAsJsonObject().getJsonObject("error").getString("field")).isEqualTo("target");
  }
}
