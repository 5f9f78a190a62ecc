package dev.rtvoice.alerting.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.alerting.AlertingServiceMain;
import dev.rtvoice.alerting.AlertingServiceVerticle;
import dev.rtvoice.alerting.testing.Panes;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.ApiContract;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document served at {@code /openapi.yaml} against the service's real answers on the real
 * broker, with a real firing alert: every operation, its success and the faults it documents.
 */
@ExtendWith(KafkaBrokerExtension.class)
class AlertingApiContractIT {
  private static final String METRIC = "session_rotate_fail_total";
  private static final String RULES = """
      rules:
        - alert: RotationFailures
          expr: {increase: session_rotate_fail_total, range: 1m}
          op: ">"
          threshold: 0
          labels: {severity: page, category: auth}
          annotations:
            summary: "{{ $value }} rotation failure(s) in the last minute"
      """;

  @TempDir
  Path dir;

  @Test
  void everyOperationAnswersAsDocumented(TestKafka kafka) throws Exception {
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, RULES);
    Map<String, String> env = new HashMap<>(kafka.env());
    env.put("HTTP_PORT", "0");
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("ALERT_RULES_FILE", rules.toString());
    env.put("ALERT_IDLE_ADVANCE", "0s");
    ServiceRuntime runtime = ServiceRuntime.create("alerting-service");
    try (ApiContract contract = ApiContract.of("alerting-service")) {
      AlertingServiceVerticle service = AlertingServiceMain.deploy(runtime, new Env(env)).await(60, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + service.port();
      Http.awaitOk(base + "/health/ready", Duration.ofSeconds(30));

      Http.Response doc = Http.get(base + "/openapi.yaml");
      assertThat(doc.status()).isEqualTo(200);
      assertThat(doc.body()).startsWith("openapi: 3.1").contains("operationId: listAlerts");

      // a firing alert, so that the alert schema is checked against a real one
      long t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
      WindowPane pane = Panes.counter("m1", METRIC, Panes.bucketStart(t0, 0), 1, true, Map.of("reason", "upstream_5xx"), 2);
      kafka.produceRaw(kafka.topics().metricsWindows(), pane.metric(), EventCodec.encode(Panes.event(pane)).getBytes());
      Eventually.await("firing alert", () -> !Http.get(base + "/v1/alerts?state=firing").json()
          .getJsonArray("alerts").isEmpty(), Duration.ofSeconds(30));

      assertThat(get(contract, base, "/v1/alerts").json().getJsonArray("alerts")).hasSize(1);
      assertThat(get(contract, base, "/v1/alerts?state=firing&alertname=RotationFailures").status()).isEqualTo(200);
      assertThat(get(contract, base, "/v1/alerts?state=resolved").status()).isEqualTo(400);
      assertThat(get(contract, base, "/v1/alerts?state=firing&state=pending").status()).isEqualTo(400);
      assertThat(get(contract, base, "/v1/rules").json().getJsonArray("rules")).hasSize(1);
      assertThat(get(contract, base, "/v1/rules/RotationFailures").json().getString("state")).isEqualTo("firing");
      assertThat(get(contract, base, "/v1/rules/NoSuchRule").status()).isEqualTo(404);
      assertThat(get(contract, base, "/health/live").status()).isEqualTo(200);
      assertThat(get(contract, base, "/health/ready").status()).isEqualTo(200);

      contract.assertEveryOperationSeen();
      assertThat(contract.seen()).contains("listAlerts 200", "listAlerts 400", "getRule 200", "getRule 404");
    } finally {
      runtime.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static Http.Response get(ApiContract contract, String base, String path) {
    return contract.check("GET", base + path, Http.get(base + path));
  }
}
