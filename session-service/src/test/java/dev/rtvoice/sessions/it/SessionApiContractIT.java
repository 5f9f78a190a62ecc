package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.ApiContract;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The OpenAPI document that the service serves at {@code /openapi.yaml} against its real answers, on
 * the real broker: every operation, its success and the client faults it documents. An answer the
 * document does not describe (a status, a missing required field, a wrong type) fails here, so the
 * document cannot drift from the code.
 */
@ExtendWith(KafkaBrokerExtension.class)
class SessionApiContractIT {
  private static Harness.Service service;
  private static ApiContract contract;
  private static String base;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    // a small per-session burst, so that a 429 is reachable with a few requests
    service = new Harness.Service(Harness.env(kafka, Map.of(
        "RATE_LIMIT_SESSION_EVENTS_PER_SECOND", "1", "RATE_LIMIT_SESSION_EVENTS_BURST", "40")));
    base = service.base;
    contract = ApiContract.of("session-service");
  }

  @AfterAll
  static void stop() throws Exception {
    if (contract != null) {
      contract.close();
    }
    if (service != null) {
      service.close();
    }
  }

  private static String sid() {
    return "rts_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
  }

  private static Http.Response post(String path, String body, String token) {
    return contract.check("POST", base + path, token == null ? Http.post(base + path, body)
        : Http.post(base + path, body, "Authorization", "Bearer " + token));
  }

  private static Http.Response get(String path, String token) {
    return contract.check("GET", base + path, Http.get(base + path, "Authorization", "Bearer " + token));
  }

  @Test
  void servesItsOwnDocument() throws Exception {
    Http.Response r = Http.get(base + "/openapi.yaml");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("application/yaml");
    String resource;
    try (var in = getClass().getClassLoader().getResourceAsStream("openapi/session-service.yaml")) {
      resource = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(r.body()).isEqualTo(resource).startsWith("openapi: 3.1");
  }

  @Test
  void anAnswerTheDocumentDoesNotDescribeFails() {
    String url = base + "/v1/sessions/rts_x/events";
    Http.Response missingField = new Http.Response(202, Map.of("content-type", java.util.List.of("application/json")),
        "{\"session_id\":\"rts_x\"}");
    Http.Response undocumentedStatus = new Http.Response(418, Map.of(), "");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> contract.check("POST", url, missingField))
        .isInstanceOf(AssertionError.class).hasMessageContaining("reportEvents 202");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> contract.check("POST", url, undocumentedStatus))
        .isInstanceOf(AssertionError.class).hasMessageContaining("418");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> contract.check("DELETE", url, missingField))
        .isInstanceOf(AssertionError.class).hasMessageContaining("not in the contract");
  }

  @Test
  void everyOperationAnswersAsDocumented() {
    Harness.Client c = new Harness.Client(base, sid());
    String events = "/v1/sessions/" + c.sessionId + "/events";
    String batch = new JsonObject().put("platform", "web")
        .put("events", new JsonArray().add(c.event("client.connected", "call_id", "rtc_contract"))).encode();
    assertThat(post(events, batch, c.token).status()).isEqualTo(202);
    c.awaitPhase("LISTENING");
    // answers of a session with a phase carry it
    JsonObject accepted = post(events, new JsonObject().put("events",
        new JsonArray().add(c.event("input_audio_buffer.speech_started"))).encode(), c.token).json();
    assertThat(accepted.getString("phase")).isEqualTo("LISTENING");

    // client faults on the events route
    assertThat(post(events, "{not json", c.token).status()).isEqualTo(400);
    assertThat(post(events, new JsonObject().put("events", new JsonArray()).encode(), c.token).status()).isEqualTo(400);
    assertThat(post(events, new JsonObject().put("events", new JsonArray().add(
        new JsonObject().put("type", "no.such.type").put("seq", 99).put("occurred_at_ms", c.now))).encode(), c.token)
        .error().getString("field")).isEqualTo("events[0].type");
    assertThat(post(events, batch, null).status()).isEqualTo(401);
    assertThat(post(events, batch, "rt1.forged.token").status()).isEqualTo(401);
    assertThat(post(events, batch, Harness.token(sid())).status()).isEqualTo(403);
    assertThat(post(events, "{\"events\":[\"" + "x".repeat(600 * 1024) + "\"]}", c.token).status()).isEqualTo(413);

    // interrupt: nothing to interrupt while LISTENING, then a real one while SPEAKING, then its retry
    String interrupt = "/v1/sessions/" + c.sessionId + "/interrupt";
    assertThat(post(interrupt, "{\"audio_end_ms\":0}", c.token).status()).isEqualTo(409);
    assertThat(post(interrupt, "{\"audio_end_ms\":-1}", c.token).status()).isEqualTo(400);
    c.send("input_audio_buffer.speech_stopped");
    c.send("response.created", "response_id", "resp_1");
    c.send("response.output_item.added", "response_id", "resp_1", "item_id", "item_1");
    c.send("response.output_audio.delta", "response_id", "resp_1", "item_id", "item_1");
    c.awaitPhase("SPEAKING");
    String body = new JsonObject().put("interrupt_id", "int_contract").put("audio_end_ms", 400).encode();
    Http.Response cancelling = post(interrupt, body, c.token);
    assertThat(cancelling.status()).isIn(200, 202);
    assertThat(post(interrupt, body, c.token).status()).isIn(200, 202);

    // recover, and its faults
    String recover = "/v1/sessions/" + c.sessionId + "/recover";
    assertThat(post(recover, "{\"reason\":\"Not A Reason!\"}", c.token).status()).isEqualTo(400);
    Http.Response plan = post(recover, "{\"reason\":\"ice_failed\"}", c.token);
    assertThat(plan.status()).isIn(200, 202);
    assertThat(plan.json().getJsonObject("plan").getString("class")).isEqualTo("transport");

    // reads: the session's own token, the operator, a session never started, the operator's list
    assertThat(get("/v1/sessions/" + c.sessionId, c.token).status()).isEqualTo(200);
    assertThat(get("/v1/sessions/" + c.sessionId, Harness.OPERATOR).status()).isEqualTo(200);
    String stranger = sid();
    assertThat(get("/v1/sessions/" + stranger, Harness.token(stranger)).status()).isEqualTo(404);
    assertThat(get("/v1/sessions/" + c.sessionId, "wrong-operator-token").status()).isEqualTo(401);
    JsonObject page = get("/v1/sessions?limit=5", Harness.OPERATOR).json();
    assertThat(page.getJsonArray("sessions")).isNotEmpty();
    assertThat(get("/v1/sessions?phase=NOT_A_PHASE", Harness.OPERATOR).status()).isEqualTo(400);

    // health
    assertThat(contract.check("GET", base + "/health/live", Http.get(base + "/health/live")).status()).isEqualTo(200);
    assertThat(contract.check("GET", base + "/health/ready", Http.get(base + "/health/ready")).status()).isEqualTo(200);

    // over the session's burst: 429 with Retry-After, as documented
    Harness.Client flooder = new Harness.Client(base, sid());
    JsonArray many = new JsonArray();
    for (int i = 0; i < 40; i++) {
      many.add(flooder.event("input_audio_buffer.speech_started"));
    }
    assertThat(flooder.postBatch(many).status()).isEqualTo(202);
    Http.Response limited = post("/v1/sessions/" + flooder.sessionId + "/events",
        new JsonObject().put("events", new JsonArray().add(flooder.event("input_audio_buffer.speech_started"))).encode(),
        flooder.token);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("Retry-After")).isNotBlank();

    contract.assertEveryOperationSeen();
    assertThat(contract.seen()).contains("reportEvents 202", "reportEvents 400", "reportEvents 401",
        "reportEvents 403", "reportEvents 413", "reportEvents 429", "interrupt 409", "recover 400", "getSession 404",
        "listSessions 400");
  }
}
