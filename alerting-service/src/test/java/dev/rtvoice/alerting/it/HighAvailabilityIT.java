package dev.rtvoice.alerting.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.alerting.testing.ChildAlerting;
import dev.rtvoice.alerting.testing.Panes;
import dev.rtvoice.alerting.testing.WebhookReceiver;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of the service, each its own JVM, on the real broker, judging the same panes: the
 * webhook gets each firing and each resolution once; Alertmanager-style duplicates on
 * {@code realtime.alerts} share their event id; SIGKILL of the instance that delivers hands delivery
 * to the other within {@code KAFKA_SESSION_TIMEOUT} + 2 s, without a page missed or sent twice.
 */
@ExtendWith(KafkaBrokerExtension.class)
class HighAvailabilityIT {
  private static final String METRIC = "session_rotate_fail_total";
  private static final String RULES = """
      rules:
        - alert: RotationFailures
          expr: {increase: session_rotate_fail_total, range: 1m, by: [reason]}
          op: ">"
          threshold: 0
          labels: {severity: page, category: auth}
          annotations:
            summary: "{{ $value }} rotation failure(s) in the last minute"
      """;
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  private final long t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();

  @Test
  void twoInstancesPageOnceAndTheSurvivorOfASigkillDeliversWithinTheSessionTimeout(TestKafka kafka)
      throws Exception {
    kafka.createTopic(kafka.topics().metricsWindows(), 3);
    try (WebhookReceiver hook = WebhookReceiver.healthy()) {
      Map<String, String> env = env(kafka, hook.url());
      ChildAlerting a = ChildAlerting.start("ha-a", env);
      ChildAlerting b = ChildAlerting.start("ha-b", env);
      try {
        a.awaitReady(WAIT);
        b.awaitReady(WAIT);
        Eventually.await("one instance holds the delivery lease", () -> holders(a, b).size() == 1, WAIT);
        ChildAlerting holder = holders(a, b).get(0);
        ChildAlerting survivor = holder == a ? b : a;
        assertThat(survivor.metric("alerting_webhook_delivery_active")).isZero();

        // both judge the first alert; the webhook gets it once, from the holder
        produce(kafka, pane(0, 1, Map.of("x", 1.0)));
        Eventually.await("x firing at the webhook", () -> notices(hook, "x", "firing") == 1, WAIT);
        Eventually.await("both instances list x as firing", () -> firing(a).contains("x") && firing(b).contains("x"),
            WAIT);

        // y goes firing, and the holder dies with it: the survivor delivers it
        produce(kafka, pane(0, 2, Map.of("x", 1.0, "y", 1.0)));
        long killedAt = System.nanoTime();
        holder.kill();
        Eventually.await("y firing at the webhook", () -> notices(hook, "y", "firing") == 1, WAIT);
        Duration takeover = Duration.ofNanos(arrival(hook, "y", "firing") - killedAt);
        System.out.printf("SIGKILL of the holder to y's webhook call: %d ms (session timeout %d ms)%n",
            takeover.toMillis(), SESSION_TIMEOUT.toMillis());
        assertThat(takeover).isLessThan(SESSION_TIMEOUT.plusSeconds(2));
        assertThat(survivor.metric("alerting_webhook_delivery_active")).isEqualTo(1.0);

        // both resolve (panes of a later bucket with no failure), once each
        produce(kafka, pane(12, 1, Map.of("x", 0.0, "y", 0.0)));
        Eventually.await("x and y resolved at the webhook",
            () -> notices(hook, "x", "resolved") == 1 && notices(hook, "y", "resolved") == 1, WAIT);
        Thread.sleep(1_500); // anything sent twice would be there by now (group interval 200 ms)
        assertThat(notices(hook, "x", "firing")).isEqualTo(1);
        assertThat(notices(hook, "y", "firing")).isEqualTo(1);
        assertThat(notices(hook, "x", "resolved")).isEqualTo(1);
        assertThat(notices(hook, "y", "resolved")).isEqualTo(1);
        assertThat(hook.calls()).allSatisfy(c -> assertThat(c.status()).isEqualTo(200));

        // realtime.alerts: each instance published what it judged, under the same event id
        List<EventEnvelope> events = kafka.readEventsUntil(kafka.topics().alerts(),
            all -> transitions(all).size() == 4, WAIT);
        Map<String, Set<String>> ids = transitions(events);
        assertThat(ids).allSatisfy((transition, eventIds) -> assertThat(eventIds).hasSize(1));
      } finally {
        a.close();
        b.close();
      }
    }
  }

  private Map<String, String> env(TestKafka kafka, String webhook) throws Exception {
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, RULES);
    Map<String, String> env = new HashMap<>(kafka.env());
    env.put("KAFKA_SESSION_TIMEOUT", SESSION_TIMEOUT.toSeconds() + "s");
    env.put("ALERT_RULES_FILE", rules.toString());
    env.put("ALERT_WEBHOOK_URLS", webhook);
    env.put("ALERT_GROUP_BY", "...");
    env.put("ALERT_GROUP_INTERVAL", "200ms");
    env.put("ALERT_DELIVERY_BACKOFF", "50ms");
    env.put("ALERT_IDLE_ADVANCE", "0s");
    env.put("LOG_LEVEL", "INFO");
    return env;
  }

  private static List<ChildAlerting> holders(ChildAlerting... instances) {
    List<ChildAlerting> out = new ArrayList<>();
    for (ChildAlerting c : instances) {
      if (c.process.isAlive() && c.metric("alerting_webhook_delivery_active") == 1.0) {
        out.add(c);
      }
    }
    return out;
  }

  private static Set<String> firing(ChildAlerting c) {
    Set<String> reasons = new HashSet<>();
    Http.get(c.base + "/v1/alerts?state=firing").json().getJsonArray("alerts")
        .forEach(o -> reasons.add(((JsonObject) o).getJsonObject("labels").getString("reason")));
    return reasons;
  }

  /** Notifications carrying the alert of {@code reason} with {@code status}, whatever their answer. */
  private static long notices(WebhookReceiver hook, String reason, String status) {
    return hook.calls().stream().filter(c -> carries(c.body(), reason, status)).count();
  }

  private static long arrival(WebhookReceiver hook, String reason, String status) {
    return hook.calls().stream().filter(c -> carries(c.body(), reason, status)).findFirst().orElseThrow()
        .arrivedNanos();
  }

  private static boolean carries(JsonObject body, String reason, String status) {
    return body.getJsonArray("alerts").stream().map(JsonObject.class::cast)
        .anyMatch(x -> status.equals(x.getString("status"))
            && reason.equals(x.getJsonObject("labels").getString("reason")));
  }

  /** Event ids per transition (fingerprint, status, start). */
  private static Map<String, Set<String>> transitions(List<EventEnvelope> events) {
    Map<String, Set<String>> out = new HashMap<>();
    for (EventEnvelope e : events) {
      JsonObject p = e.payloadView();
      out.computeIfAbsent(p.getString("fingerprint") + "/" + p.getString("status") + "/" + p.getLong("starts_at_ms"),
          k -> new HashSet<>()).add(e.eventId().toString());
    }
    return out;
  }

  /** metrics-service's pane of a bucket: a later version replaces an earlier one, so it carries every series. */
  private WindowPane pane(int bucket, long version, Map<String, Double> increaseByReason) {
    List<WindowPane.Series> series = new ArrayList<>();
    increaseByReason.forEach((reason, increase) -> series.add(new WindowPane.Series(Map.of("reason", reason),
        increase, null)));
    return Panes.counters("m1", METRIC, Panes.bucketStart(t0, bucket), version, false, series);
  }

  private static void produce(TestKafka kafka, WindowPane pane) {
    kafka.produceRaw(kafka.topics().metricsWindows(), pane.metric(),
        EventCodec.encode(Panes.event(pane)).getBytes());
  }
}
