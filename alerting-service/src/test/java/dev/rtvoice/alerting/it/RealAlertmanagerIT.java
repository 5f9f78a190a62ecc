package dev.rtvoice.alerting.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rtvoice.alerting.AlertingServiceMain;
import dev.rtvoice.alerting.AlertingServiceVerticle;
import dev.rtvoice.alerting.testing.Panes;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
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
 * Against a real Alertmanager (Debian's prometheus-alertmanager, which CI installs): the alert is
 * found through Alertmanager's own API v2, then resolved. Alertmanager runs on free ports with its
 * own temporary storage, clustering off, and is stopped at the end whatever happens.
 */
@ExtendWith(KafkaBrokerExtension.class)
class RealAlertmanagerIT {
  private static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  @Test
  void theAlertReachesAlertmanagerThenResolvesThere(TestKafka kafka) throws Exception {
    assumeTrue(Files.isExecutable(BINARY), "prometheus-alertmanager is not installed");
    Path config = dir.resolve("alertmanager.yml");
    Files.writeString(config, """
        route:
          receiver: blackhole
          group_wait: 0s
        receivers:
          - name: blackhole
        """);
    int port = freePort();
    Process alertmanager = new ProcessBuilder(BINARY.toString(),
        "--config.file=" + config,
        "--storage.path=" + Files.createDirectories(dir.resolve("data")),
        "--web.listen-address=127.0.0.1:" + port,
        "--cluster.listen-address=")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("alertmanager.log").toFile())
        .start();
    ServiceRuntime runtime = ServiceRuntime.create("alerting-service");
    try {
      String am = "http://127.0.0.1:" + port;
      Http.awaitOk(am + "/-/ready", WAIT);

      Path rules = dir.resolve("rules.yaml");
      Files.writeString(rules, """
          rules:
            - alert: RotationFailures
              expr: {increase: session_rotate_fail_total, range: 1m}
              threshold: 0
              labels: {severity: page}
              annotations: {summary: "{{ $value }} rotation failure(s)"}
          """);
      Map<String, String> env = new HashMap<>(kafka.env());
      env.put("HTTP_PORT", "0");
      env.put("HTTP_HOST", "127.0.0.1");
      env.put("ALERT_RULES_FILE", rules.toString());
      env.put("ALERTMANAGER_URL", am);
      env.put("ALERT_RESEND_DELAY", "1s");
      env.put("ALERT_IDLE_ADVANCE", "0s");
      AlertingServiceVerticle service = AlertingServiceMain.deploy(runtime, new Env(env)).await(60, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + service.port();
      Http.awaitOk(base + "/health/ready", WAIT);

      long t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
      produce(kafka, pane(t0, 0, 2));
      Eventually.await("alert in Alertmanager", () -> !alerts(am).isEmpty(), WAIT);
      JsonObject alert = alerts(am).getJsonObject(0);
      assertThat(alert.getJsonObject("labels").getMap())
          .containsEntry("alertname", "RotationFailures").containsEntry("severity", "page");
      assertThat(alert.getJsonObject("annotations").getString("summary")).isEqualTo("2 rotation failure(s)");
      assertThat(alert.getJsonObject("status").getString("state")).isEqualTo("active");
      assertThat(Instant.parse(alert.getString("startsAt"))).isEqualTo(Instant.ofEpochMilli(t0 + Panes.BUCKET_MS));
      // endsAt is a lease: four re-send delays ahead, renewed by each re-send
      assertThat(Instant.parse(alert.getString("endsAt"))).isAfter(Instant.now());
      assertThat(alert.getString("generatorURL")).endsWith("/v1/rules/RotationFailures");
      Instant firstLease = Instant.parse(alert.getString("endsAt"));
      Eventually.await("lease renewed by a re-send", () -> {
        JsonArray now = alerts(am);
        return !now.isEmpty() && Instant.parse(now.getJsonObject(0).getString("endsAt")).isAfter(firstLease);
      }, WAIT);

      // event time passes the window: resolved, so Alertmanager no longer lists it as active
      produce(kafka, pane(t0, 12, 0));
      Eventually.await("alert resolved in Alertmanager", () -> alerts(am).isEmpty(), WAIT);
      assertThat(Http.get(am + "/metrics").body()).containsPattern(
          "alertmanager_alerts_received_total\\{status=\"resolved\"(,version=\"v2\")?\\} [1-9]");
    } finally {
      runtime.close().await(30, TimeUnit.SECONDS);
      alertmanager.destroy();
      if (!alertmanager.waitFor(10, TimeUnit.SECONDS)) {
        alertmanager.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Alertmanager's unresolved alerts (GET /api/v2/alerts leaves resolved ones out). */
  private static JsonArray alerts(String am) {
    Http.Response response = Http.get(am + "/api/v2/alerts?filter=alertname%3D%22RotationFailures%22");
    assertThat(response.status()).isEqualTo(200);
    return new JsonArray(response.body());
  }

  private static WindowPane pane(long t0, int bucket, double increase) {
    return Panes.counter("m1", "session_rotate_fail_total", Panes.bucketStart(t0, bucket), 1, true,
        Map.of("reason", "upstream_5xx"), increase);
  }

  private static void produce(TestKafka kafka, WindowPane pane) {
    kafka.produceRaw(kafka.topics().metricsWindows(), pane.metric(), EventCodec.encode(Panes.event(pane)).getBytes());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
