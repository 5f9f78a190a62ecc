package dev.rtvoice.metrics.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.ApiContract;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.metrics.testing.ServiceUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The OpenAPI document served at {@code /openapi.yaml} against the service's real answers on the real
 * broker: every operation, its success and the client faults it documents, the budget report with and
 * without data. An answer the document does not describe fails here.
 */
@ExtendWith(KafkaBrokerExtension.class)
class MetricsApiContractIT {
  private static ServiceUnderTest service;
  private static ApiContract contract;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    service = ServiceUnderTest.start(kafka, Map.of());
    contract = ApiContract.of("metrics-service");
  }

  @AfterAll
  static void stop() {
    if (contract != null) {
      contract.close();
    }
    if (service != null) {
      service.close();
    }
  }

  private static Http.Response get(String path) {
    return contract.check("GET", service.url(path), Http.get(service.url(path)));
  }

  private static Http.Response telemetry(String body, String... headers) {
    return contract.check("POST", service.url("/v1/telemetry"), Http.post(service.url("/v1/telemetry"), body, headers));
  }

  private static JsonObject sample(String stage, Object value, Instant at) {
    return new JsonObject().put("stage", stage).put("value_ms", value).put("turn", 1)
        .put("occurred_at", at.toString()).put("platform", "web-chrome");
  }

  @Test
  void servesItsOwnDocument() {
    Http.Response r = Http.get(service.url("/openapi.yaml"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).startsWith("openapi: 3.1").contains("operationId: postTelemetry");
  }

  @Test
  void everyOperationAnswersAsDocumented() {
    assertThat(get("/v1/latency/budget").status()).isEqualTo(200);
    String auth = "Bearer " + service.token("s-contract");
    Instant now = Instant.now();
    JsonArray samples = new JsonArray()
        .add(sample("first_audio", 900.5, now))
        .add(sample("capture", 130_000, now))                    // out_of_range
        .add(sample("no_such_stage", 10, now))                   // unknown_stage
        .add(sample("uplink", 20, now.minusSeconds(3_600)))      // too_late
        .add("not an object");
    Http.Response mixed = telemetry(new JsonObject().put("batch_id", "b-contract-1").put("samples", samples).encode(),
        "Authorization", auth);
    assertThat(mixed.status()).isEqualTo(200);
    assertThat(mixed.json().getInteger("accepted")).isEqualTo(1);
    assertThat(mixed.json().getInteger("rejected")).isEqualTo(4);
    // its retry: the same answer, counted once
    assertThat(telemetry(new JsonObject().put("batch_id", "b-contract-1").put("samples", samples).encode(),
        "Authorization", auth).json().getInteger("accepted")).isEqualTo(1);

    assertThat(telemetry("{not json", "Authorization", auth).status()).isEqualTo(400);
    assertThat(telemetry("{\"samples\":[],\"batch_id\":\"bad id!\"}", "Authorization", auth).status()).isEqualTo(400);
    assertThat(telemetry("{\"samples\":[]}").status()).isEqualTo(401);
    assertThat(telemetry("{\"samples\":[]}", "Authorization", "Bearer " + service.expiredToken("s-contract"))
        .status()).isEqualTo(401);
    assertThat(telemetry("{\"session_id\":\"someone-else\",\"samples\":[]}", "Authorization", auth).status())
        .isEqualTo(403);
    assertThat(telemetry("{\"samples\":[\"" + "x".repeat(600 * 1024) + "\"]}", "Authorization", auth).status())
        .isEqualTo(413);

    // the report with data, once the sample is in the merged view
    Eventually.await("first_audio in the budget view", () ->
        Http.get(service.url("/v1/latency/budget?window=1h")).json().getJsonObject("stages")
            .getJsonObject("first_audio").getLong("count") >= 1, Duration.ofSeconds(30));
    JsonObject report = get("/v1/latency/budget?window=1h").json();
    assertThat(report.getInteger("instances")).isPositive();
    assertThat(get("/v1/latency/budget?window=2h").status()).isEqualTo(400);
    assertThat(get("/v1/windows/status").status()).isEqualTo(200);
    assertThat(get("/health/live").status()).isEqualTo(200);
    assertThat(get("/health/ready").status()).isEqualTo(200);

    contract.assertEveryOperationSeen();
    assertThat(contract.seen()).contains("postTelemetry 200", "postTelemetry 400", "postTelemetry 401",
        "postTelemetry 403", "postTelemetry 413", "latencyBudget 400");
  }
}
