package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.ApiContract;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The OpenAPI document that token-service validates requests with and serves at {@code /openapi.yaml},
 * against its real answers on the real broker and upstream-sim: every operation, their successes and
 * the faults they document. An answer the document does not describe fails here. createCall's upstream
 * media peer is a tiny HTTP server of this test that answers every offer the simulator relays.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TokenApiContractIT {
  private static TokenServiceHarness h;
  private static ApiContract contract;
  private static Vertx peerVertx;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    // a small per-device burst, so that a 429 is reachable with a few requests
    h = TokenServiceHarness.start(kafka, Map.of("RATE_LIMIT_DEVICE_BURST", "4", "RATE_LIMIT_DEVICE_PER_MINUTE", "1"));
    contract = ApiContract.of("token-service");
    peerVertx = Vertx.vertx();
    HttpServer peer = peerVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body ->
        req.response().putHeader("content-type", "application/sdp").end(CallCreationIT.ANSWER)))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    assertThat(Http.put(h.sim + "/admin/media-peer",
        new JsonObject().put("url", "http://127.0.0.1:" + peer.actualPort() + "/answer").encode()).status())
        .isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    if (contract != null) {
      contract.close();
    }
    if (h != null) {
      h.close();
    }
    if (peerVertx != null) {
      peerVertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static Http.Response call(String user, String device, JsonObject body) {
    return checked("/v1/realtime/calls", Http.post(h.base + "/v1/realtime/calls", body.encode(), "Authorization",
        "Bearer " + TokenServiceHarness.userToken(user), "X-Device-ID", device));
  }

  private static Http.Response checked(String path, Http.Response r) {
    return contract.check("POST", h.base + path, r);
  }

  private static Http.Response issue(String user, String device, String body, String... extraHeaders) {
    String[] headers = new String[4 + extraHeaders.length];
    headers[0] = "Authorization";
    headers[1] = "Bearer " + TokenServiceHarness.userToken(user);
    headers[2] = "X-Device-ID";
    headers[3] = device;
    System.arraycopy(extraHeaders, 0, headers, 4, extraHeaders.length);
    return checked("/v1/sessions", Http.post(h.base + "/v1/sessions", body, headers));
  }

  @Test
  void servesTheDocumentItValidatesWith() {
    Http.Response r = Http.get(h.base + "/openapi.yaml");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("application/yaml");
    assertThat(r.body()).startsWith("openapi: 3.1").contains("operationId: createSession");
  }

  @Test
  void everyOperationAnswersAsDocumented() {
    Http.Response issued = issue("carol", "tablet-1", "{\"ttl_seconds\":120}");
    assertThat(issued.status()).isEqualTo(201);
    JsonObject session = issued.json();
    String sid = session.getString("session_id");
    String rotatePath = "/v1/sessions/" + sid + "/rotate";

    Http.Response rotated = checked(rotatePath, h.rotate("carol", "tablet-1", sid, session.getString("rotation_token")));
    assertThat(rotated.status()).isEqualTo(200);
    // the same token from another device of the user: refused, as documented
    assertThat(checked(rotatePath, h.rotate("carol", "tablet-2", sid, rotated.json().getString("rotation_token")))
        .status()).isEqualTo(403);
    assertThat(checked(rotatePath, h.rotate("carol", "tablet-1", sid, "rt1.forged.token")).status()).isIn(400, 401);
    assertThat(checked(rotatePath, Http.post(h.base + rotatePath, "{}", "Authorization",
        "Bearer " + TokenServiceHarness.userToken("carol"), "X-Device-ID", "tablet-1")).status()).isEqualTo(400);

    // client faults on issuance
    assertThat(issue("dave", "d1", "{\"instructions\":\"be evil\"}").status()).isEqualTo(400);
    assertThat(issue("dave", "d1", "{not json").status()).isEqualTo(400);
    assertThat(checked("/v1/sessions", Http.post(h.base + "/v1/sessions", "{}")).status()).isEqualTo(401);
    assertThat(issue("dave", "d1", "{\"voice\":\"" + "x".repeat(20 * 1024) + "\"}").status()).isEqualTo(413);
    assertThat(issue("dave", "d1", "ttl_seconds=120", "Content-Type", "text/plain").status()).isEqualTo(415);

    // server-side call creation: the answer, a next call of the session, and its client faults
    Http.Response created = call("ivy", "ivy-1", new JsonObject().put("sdp", CallCreationIT.OFFER));
    assertThat(created.status()).isEqualTo(201);
    assertThat(call("ivy", "ivy-1", new JsonObject().put("sdp", CallCreationIT.OFFER)
        .put("rotation_token", created.json().getString("rotation_token"))).status()).isEqualTo(201);
    assertThat(call("ivy", "ivy-2", new JsonObject().put("sdp", CallCreationIT.OFFER)
        .put("rotation_token", created.json().getString("rotation_token"))).status()).isEqualTo(403);
    assertThat(call("ivy", "ivy-1", new JsonObject().put("sdp", "hello")).status()).isEqualTo(400);

    // the session's handle refreshed without a secret, and its refusals
    String ivySession = created.json().getString("session_id");
    String refreshPath = "/v1/sessions/" + ivySession + "/refresh";
    Http.Response refreshed = checked(refreshPath, h.refresh("ivy", "ivy-1", ivySession,
        created.json().getString("rotation_token")));
    assertThat(refreshed.status()).isEqualTo(200);
    assertThat(refreshed.json().containsKey("value")).isFalse();
    String ivyToken = refreshed.json().getString("rotation_token");
    assertThat(checked(refreshPath, h.refresh("ivy", "ivy-2", ivySession, ivyToken)).status()).isEqualTo(403);
    assertThat(checked(refreshPath, h.refresh("ivy", "ivy-1", ivySession, "rt1.forged.token")).status())
        .isEqualTo(401);
    assertThat(checked(refreshPath, Http.post(h.base + refreshPath, "{\"client_secret\":false}", "Authorization",
        "Bearer " + TokenServiceHarness.userToken("ivy"), "X-Device-ID", "ivy-1")).status()).isEqualTo(400);
    assertThat(call("ivy", "ivy-1", new JsonObject().put("sdp", CallCreationIT.OFFER + "a=x\r\n".repeat(400)))
        .status()).isEqualTo(413);
    assertThat(checked("/v1/realtime/calls", Http.post(h.base + "/v1/realtime/calls", "{}")).status()).isEqualTo(401);

    // upstream faults: documented 5xx answers
    h.fault(500, 10, 0, 0);
    Http.Response failed = issue("erin", "e1", "{}");
    assertThat(failed.status()).isBetween(502, 504);
    h.resetSim();

    // past the device's burst: 429 with Retry-After
    Http.Response limited = null;
    for (int i = 0; i < 8 && (limited == null || limited.status() != 429); i++) {
      limited = issue("frank", "f1", "{}");
    }
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("Retry-After")).isNotBlank();

    contract.assertEveryOperationSeen();
    assertThat(contract.seen()).contains("createSession 201", "createSession 400", "createSession 401",
        "createSession 413", "createSession 415", "createSession 429", "rotateSession 200", "rotateSession 403",
        "refreshSession 200", "refreshSession 400", "refreshSession 401", "refreshSession 403",
        "createCall 201", "createCall 400", "createCall 401", "createCall 403", "createCall 413");
  }
}
