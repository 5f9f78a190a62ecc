package dev.rtvoice.alerting.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.alerting.AlertingServiceMain;
import dev.rtvoice.alerting.AlertingServiceVerticle;
import dev.rtvoice.alerting.testing.Panes;
import dev.rtvoice.alerting.testing.WebhookReceiver;
import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole service on the real broker: panes produced as real {@code metrics.window} records fire
 * an alert that reaches webhook receivers (Alertmanager's payload v4) and {@code realtime.alerts},
 * then resolves; retries, deduplication, a receiver that hangs, restarts, the API, the DLQ.
 */
@ExtendWith(KafkaBrokerExtension.class)
class AlertingServiceIT {
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
            runbook: "check token-service"
      """;
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  /** A scenario's first bucket: a whole minute an hour ago, so no pane is in the future. */
  private final long t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();

  @Test
  void panesFromTwoInstancesFireDeliverPublishAndResolveWhileAHangingReceiverWaits(TestKafka kafka) throws Exception {
    try (WebhookReceiver good = WebhookReceiver.healthy(); WebhookReceiver down = WebhookReceiver.hanging()) {
      // history written before the service starts: a record that is no event, an event whose pane
      // is invalid, then two instances' panes of the same bucket (early versions, then final)
      String panes = kafka.topics().metricsWindows();
      kafka.createTopic(panes, 3);
      kafka.produceRaw(panes, METRIC, "not json".getBytes(StandardCharsets.UTF_8));
      JsonObject badPane = WindowPaneCodec.encode(Panes.counter(METRIC, t0, 1)).put("kind", "gauge");
      kafka.produce(panes, EventEnvelope.create(EventType.METRICS_WINDOW, null, Instant.ofEpochMilli(t0),
          Instant.now(), "metrics-service", badPane));
      produce(kafka, pane("m1", 0, 1, false, 1));
      produce(kafka, pane("m1", 0, 2, true, 1));
      produce(kafka, pane("m2", 0, 1, false, 3));
      produce(kafka, pane("m2", 0, 2, true, 1));

      ServiceRuntime runtime = ServiceRuntime.create("alerting-service");
      try {
        String base = start(runtime, kafka, env(kafka, good.url() + "," + down.url()));

        // merged over the two instances' newest panes: 1 + 1
        Eventually.await("firing notification", () -> good.delivered("firing").size() == 1, WAIT);
        JsonObject firing = good.delivered("firing").get(0);
        assertWebhookPayload(firing, "firing");
        JsonObject alert = firing.getJsonArray("alerts").getJsonObject(0);
        assertThat(alert.getJsonObject("labels").getMap())
            .containsEntry("alertname", "RotationFailures").containsEntry("severity", "page");
        assertThat(alert.getJsonObject("annotations").getString("summary"))
            .isEqualTo("2 rotation failure(s) in the last minute");
        assertThat(alert.getString("startsAt")).isEqualTo(Instant.ofEpochMilli(t0 + Panes.BUCKET_MS).toString());
        assertThat(alert.getString("endsAt")).isEqualTo("0001-01-01T00:00:00Z");
        String fingerprint = alert.getString("fingerprint");

        // the hanging receiver got the same notification at the same moment and holds it; it did not
        // hold up the good one
        Eventually.await("call to the hanging receiver", () -> !down.calls().isEmpty(), WAIT);
        long apart = Math.abs(down.calls().get(0).arrivedNanos() - good.calls().get(0).arrivedNanos());
        assertThat(Duration.ofNanos(apart)).isLessThan(Duration.ofSeconds(1));

        // on realtime.alerts: alert.firing keyed by the fingerprint
        List<ConsumerRecord<String, byte[]>> records = kafka.readRecords(kafka.topics().alerts(), 1, WAIT);
        assertThat(records).hasSize(1);
        assertThat(records.get(0).key()).isEqualTo(fingerprint);
        EventEnvelope fired = decode(records.get(0));
        assertThat(fired.type()).isEqualTo(EventType.ALERT_FIRING);
        assertThat(fired.occurredAt()).isEqualTo(Instant.ofEpochMilli(t0 + Panes.BUCKET_MS));
        JsonObject p = fired.payloadView();
        assertThat(p.getString("alertname")).isEqualTo("RotationFailures");
        assertThat(p.getString("fingerprint")).isEqualTo(fingerprint);
        assertThat(p.getString("status")).isEqualTo("firing");
        assertThat(p.getJsonObject("labels").getString("category")).isEqualTo("auth");
        assertThat(p.getJsonObject("annotations").getString("runbook")).isEqualTo("check token-service");
        assertThat(p.getLong("starts_at_ms")).isEqualTo(t0 + Panes.BUCKET_MS);
        assertThat(p.containsKey("ends_at_ms")).isFalse();
        assertThat(p.getDouble("value")).isEqualTo(2.0);

        // the API
        JsonObject alerts = Http.get(base + "/v1/alerts").json();
        assertThat(alerts.getJsonArray("alerts")).hasSize(1);
        JsonObject listed = alerts.getJsonArray("alerts").getJsonObject(0);
        assertThat(listed.getString("alertname")).isEqualTo("RotationFailures");
        assertThat(listed.getString("state")).isEqualTo("firing");
        assertThat(listed.getString("fingerprint")).isEqualTo(fingerprint);
        assertThat(listed.getDouble("value")).isEqualTo(2.0);
        assertThat(listed.getString("fired_at")).isEqualTo(Instant.ofEpochMilli(t0 + Panes.BUCKET_MS).toString());
        assertThat(listed.getString("generator_url")).endsWith("/v1/rules/RotationFailures");
        assertThat(Http.get(base + "/v1/alerts?state=pending").json().getJsonArray("alerts")).isEmpty();
        assertThat(Http.get(base + "/v1/alerts?alertname=Other").json().getJsonArray("alerts")).isEmpty();
        Http.Response badState = Http.get(base + "/v1/alerts?state=bogus");
        assertThat(badState.status()).isEqualTo(400);
        assertThat(badState.error().getString("field")).isEqualTo("state");

        JsonObject rules = Http.get(base + "/v1/rules").json();
        assertThat(rules.getJsonArray("rules")).hasSize(1);
        JsonObject rule = rules.getJsonArray("rules").getJsonObject(0);
        assertThat(rule.getString("name")).isEqualTo("RotationFailures");
        assertThat(rule.getString("state")).isEqualTo("firing");
        assertThat(rule.getDouble("last_value")).isEqualTo(2.0);
        assertThat(rule.getJsonObject("alerts").getInteger("firing")).isEqualTo(1);
        assertThat(rule.getJsonObject("annotations").getString("summary")).contains("{{ $value }}");
        assertThat(Http.get(base + "/v1/rules/RotationFailures").json().getString("name"))
            .isEqualTo("RotationFailures");
        assertThat(Http.get(base + "/v1/rules/NoSuchRule").status()).isEqualTo(404);

        JsonObject ready = Http.get(base + "/health/ready").json();
        assertThat(ready.getJsonObject("checks").getString("alerts")).isEqualTo("UP");

        // both bad records went to the dead-letter topic, with their reason
        List<ConsumerRecord<String, byte[]>> dead = kafka.readRecords(panes + ".dlq", 2, WAIT);
        assertThat(dead).hasSize(2);
        assertThat(new String(dead.stream().filter(r -> r.headers().lastHeader("dlq.field") != null
            && new String(r.headers().lastHeader("dlq.field").value(), StandardCharsets.UTF_8)
            .equals("payload.kind")).findFirst().orElseThrow().value(), StandardCharsets.UTF_8)).contains("gauge");

        // event time moves on past the window: it resolves
        produce(kafka, pane("m1", 12, 1, true, 0));
        Eventually.await("resolved notification", () -> good.delivered("resolved").size() == 1, WAIT);
        JsonObject resolved = good.delivered("resolved").get(0);
        assertWebhookPayload(resolved, "resolved");
        JsonObject gone = resolved.getJsonArray("alerts").getJsonObject(0);
        assertThat(gone.getString("fingerprint")).isEqualTo(fingerprint);
        assertThat(Instant.parse(gone.getString("endsAt"))).isAfter(Instant.parse(gone.getString("startsAt")));

        List<ConsumerRecord<String, byte[]>> both = kafka.readRecords(kafka.topics().alerts(), 2, WAIT);
        assertThat(both).hasSize(2);
        EventEnvelope ended = decode(both.get(1));
        assertThat(ended.type()).isEqualTo(EventType.ALERT_RESOLVED);
        assertThat(both.get(1).key()).isEqualTo(fingerprint);
        assertThat(ended.payloadView().getLong("ends_at_ms")).isEqualTo(ended.occurredAt().toEpochMilli());
        assertThat(Http.get(base + "/v1/alerts").json().getJsonArray("alerts")).isEmpty();

        assertThat(good.delivered()).hasSize(2);
        String metrics = Http.get(base + "/metrics").body();
        assertThat(metrics).contains("alerting_notifications_total{integration=\"webhook\",outcome=\"delivered\","
            + "receiver=\"webhook-1\"");
        assertThat(metrics).contains("alerting_transitions_total{alertname=\"RotationFailures\"");
      } finally {
        runtime.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aFailingReceiverIsRetriedAndAnUnchangedGroupIsNotSentTwice(TestKafka kafka) throws Exception {
    try (WebhookReceiver flaky = WebhookReceiver.failingFirst(2)) {
      ServiceRuntime runtime = ServiceRuntime.create("alerting-service");
      try {
        String base = start(runtime, kafka, env(kafka, flaky.url()));
        produce(kafka, pane("m1", 0, 1, false, 1));
        Eventually.await("delivery after two 503s", () -> flaky.delivered().size() == 1, WAIT);
        assertThat(flaky.calls()).extracting(WebhookReceiver.Call::status).containsExactly(503, 503, 200);
        assertThat(flaky.calls()).extracting(c -> c.body().encode()).containsOnly(flaky.calls().get(0).body().encode());

        // the value changes twice (still firing): the group is flushed every interval, but the
        // receiver already has every firing alert of it, so nothing more is sent
        produce(kafka, pane("m1", 0, 2, false, 2));
        produce(kafka, pane("m1", 1, 1, false, 1));
        Eventually.await("deduplicated flushes", () -> counter(base,
            "alerting_notifications_deduplicated_total{receiver=\"webhook-1\"") >= 2, WAIT);
        assertThat(Http.get(base + "/v1/alerts").json().getJsonArray("alerts").getJsonObject(0).getDouble("value"))
            .isEqualTo(3.0);
        assertThat(flaky.calls()).hasSize(3);
        assertThat(counter(base, "alerting_notification_attempts_total{integration=\"webhook\",receiver=\"webhook-1\","
            + "result=\"5xx\"")).isEqualTo(2);
      } finally {
        runtime.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aRestartInTheMiddleOfAFiringAlertPagesNobodyTwiceAndStillResolves(TestKafka kafka) throws Exception {
    try (WebhookReceiver hook = WebhookReceiver.healthy()) {
      Map<String, String> env = env(kafka, hook.url());
      ServiceRuntime first = ServiceRuntime.create("alerting-service");
      try {
        start(first, kafka, env);
        produce(kafka, pane("m1", 0, 1, true, 1));
        Eventually.await("firing notification", () -> hook.delivered("firing").size() == 1, WAIT);
      } finally {
        first.close().await(30, TimeUnit.SECONDS);
      }

      ServiceRuntime second = ServiceRuntime.create("alerting-service");
      try {
        String base = start(second, kafka, env);
        // restored from realtime.alerts, windows rebuilt from the panes: still firing, not re-sent
        JsonArray alerts = Http.get(base + "/v1/alerts").json().getJsonArray("alerts");
        assertThat(alerts).hasSize(1);
        assertThat(alerts.getJsonObject(0).getString("state")).isEqualTo("firing");
        // a pane keeps it firing, and gives the new instance a group flush to (not) send
        produce(kafka, pane("m1", 1, 1, true, 1));
        Eventually.await("pane judged", () -> Http.get(base + "/v1/alerts").json().getJsonArray("alerts")
            .getJsonObject(0).getDouble("value") == 2.0, WAIT);
        Thread.sleep(1_000);
        assertThat(hook.delivered()).hasSize(1);

        produce(kafka, pane("m1", 12, 1, true, 0));
        Eventually.await("resolved notification", () -> hook.delivered("resolved").size() == 1, WAIT);
        assertThat(hook.delivered("firing")).hasSize(1);
        List<EventEnvelope> events = kafka.readEvents(kafka.topics().alerts(), 2, WAIT);
        assertThat(events).extracting(EventEnvelope::type)
            .containsExactly(EventType.ALERT_FIRING, EventType.ALERT_RESOLVED);
        assertThat(events.get(1).payloadView().getLong("starts_at_ms"))
            .isEqualTo(events.get(0).payloadView().getLong("starts_at_ms"));
      } finally {
        second.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void anInvalidRulesFileStopsTheStartNamingRuleAndField(TestKafka kafka) throws Exception {
    Path rules = dir.resolve("bad.yaml");
    Files.writeString(rules, """
        rules:
          - alert: Broken
            expr: {increase: session_rotate_fail_total, range: 1m}
            op: ">>"
            threshold: 0
        """);
    Map<String, String> env = new HashMap<>(kafka.env());
    env.put("HTTP_PORT", "0");
    env.put("ALERT_RULES_FILE", rules.toString());
    ServiceRuntime runtime = ServiceRuntime.create("alerting-service");
    try {
      assertThatThrownBy(() -> AlertingServiceMain.deploy(runtime, new Env(env)).await(30, TimeUnit.SECONDS))
          .isInstanceOf(ConfigException.class).hasMessageContaining("Broken").hasMessageContaining("op");
    } finally {
      runtime.close().await(30, TimeUnit.SECONDS);
    }
  }

  private Map<String, String> env(TestKafka kafka, String webhooks) throws Exception {
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, RULES);
    Map<String, String> env = new HashMap<>(kafka.env());
    env.put("HTTP_PORT", "0");
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("ALERT_RULES_FILE", rules.toString());
    env.put("ALERT_WEBHOOK_URLS", webhooks);
    env.put("ALERT_GROUP_INTERVAL", "200ms");
    env.put("ALERT_DELIVERY_TIMEOUT", "5s");
    env.put("ALERT_DELIVERY_BACKOFF", "50ms");
    env.put("ALERT_DELIVERY_RETRIES", "3");
    env.put("ALERT_IDLE_ADVANCE", "0s");
    return env;
  }

  private static String start(ServiceRuntime runtime, TestKafka kafka, Map<String, String> env) throws Exception {
    AlertingServiceVerticle service = AlertingServiceMain.deploy(runtime, new Env(env)).await(60, TimeUnit.SECONDS);
    String base = "http://127.0.0.1:" + service.port();
    Http.awaitOk(base + "/health/ready", WAIT);
    return base;
  }

  private WindowPane pane(String instance, int bucket, long version, boolean finalPane, double increase) {
    return Panes.counter(instance, METRIC, Panes.bucketStart(t0, bucket), version, finalPane,
        Map.of("reason", "upstream_5xx"), increase);
  }

  private static void produce(TestKafka kafka, WindowPane pane) {
    kafka.produceRaw(kafka.topics().metricsWindows(), pane.metric(), EventCodec.encode(Panes.event(pane)).getBytes());
  }

  private static EventEnvelope decode(ConsumerRecord<String, byte[]> record) {
    return EventCodec.decode(Buffer.buffer(record.value()));
  }

  private static void assertWebhookPayload(JsonObject payload, String status) {
    assertThat(payload.getString("version")).isEqualTo("4");
    assertThat(payload.getString("status")).isEqualTo(status);
    assertThat(payload.getString("receiver")).isEqualTo("webhook-1");
    assertThat(payload.getString("groupKey")).isNotBlank();
    assertThat(payload.getJsonObject("groupLabels").getMap()).containsEntry("alertname", "RotationFailures");
    assertThat(payload.getJsonObject("commonLabels").getMap()).containsEntry("severity", "page");
    assertThat(payload.getJsonObject("commonAnnotations").getMap()).containsKey("summary");
    assertThat(payload.getString("externalURL")).startsWith("http://");
    assertThat(payload.getInteger("truncatedAlerts")).isZero();
    JsonObject alert = payload.getJsonArray("alerts").getJsonObject(0);
    assertThat(alert.getString("status")).isEqualTo(status);
    assertThat(alert.fieldNames()).contains("labels", "annotations", "startsAt", "endsAt", "generatorURL",
        "fingerprint");
  }

  /** Sum of a counter's samples in {@code /metrics} whose line starts with {@code prefix}. */
  private static double counter(String base, String prefix) {
    double sum = 0;
    for (String line : Http.get(base + "/metrics").body().split("\n")) {
      if (line.startsWith(prefix)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
