package dev.rtvoice.alerting.bench;

import dev.rtvoice.alerting.AlertingServiceMain;
import dev.rtvoice.alerting.AlertingServiceVerticle;
import dev.rtvoice.alerting.testing.Panes;
import dev.rtvoice.alerting.testing.WebhookReceiver;
import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.KafkaBroker;
import dev.rtvoice.broker.KafkaBrokers;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.Http;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * From a window's close to the webhook call (target: p99 under 100 ms), end to end through the real
 * parts: a real Kafka broker, the service as deployed (pane consumer, evaluation, delivery), and a real
 * HTTP webhook receiver, all in this JVM so that one monotonic clock measures both ends.
 *
 * <p>Each round publishes, as metrics-service does at a bucket's close, the pane of a new 10 s bucket
 * (acks=all) in which a zero-threshold rule's condition holds for a new label set, and times it from
 * just before the send to the webhook call that carries that alert (a new group: no group wait).
 * 100 warm-up rounds, then 1,000 measured, one every 20 ms. The rule's range (1 h) keeps every
 * round's alert inside the window even when the first rounds reach the service in one burst (a
 * fresh topic's first sends) and are judged in one coalesced evaluation.
 *
 * <pre>
 * mvn -o -q -pl alerting-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.rtvoice.alerting.bench.WebhookLatencyLoadGenerator
 * </pre>
 */
public final class WebhookLatencyLoadGenerator {
  private static final int WARMUP = 100;
  private static final int MEASURED = 1_000;
  private static final long PACE_MS = 20;

  private WebhookLatencyLoadGenerator() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("alerting-bench");
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, """
        rules:
          - alert: RotationFailed
            expr: {increase: session_rotate_fail_total, range: 1h, by: [reason]}
            threshold: 0
            labels: {severity: page}
            annotations: {summary: "{{ $value }} rotation failure(s) ({{ $labels.reason }})"}
        """);
    String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    try (KafkaBroker broker = KafkaBrokers.start(BrokerOptions.ephemeral());
         WebhookReceiver hook = WebhookReceiver.healthy()) {
      Map<String, String> env = new HashMap<>();
      env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
      env.put("KAFKA_TOPIC_PREFIX", prefix);
      env.put("KAFKA_TOPIC_PARTITIONS", "3");
      env.put("HTTP_PORT", "0");
      env.put("HTTP_HOST", "127.0.0.1");
      env.put("ALERT_RULES_FILE", rules.toString());
      env.put("ALERT_WEBHOOK_URLS", hook.url());
      env.put("ALERT_GROUP_BY", "...");
      env.put("ALERT_IDLE_ADVANCE", "0s");
      ServiceRuntime runtime = ServiceRuntime.create("alerting-service");
      try {
        AlertingServiceVerticle service = AlertingServiceMain.deploy(runtime, new Env(env)).await(60, TimeUnit.SECONDS);
        Http.awaitOk("http://127.0.0.1:" + service.port() + "/health/ready", Duration.ofSeconds(60));
        run(broker.bootstrapServers(), prefix + "realtime.metrics.windows", hook);
      } finally {
        runtime.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  private static void run(String bootstrap, String topic, WebhookReceiver hook) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("acks", "all");
    props.put("linger.ms", "0");
    props.put("enable.idempotence", "true");
    int rounds = WARMUP + MEASURED;
    long[] sentAt = new long[rounds];
    long t0 = Instant.now().minus(6, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
    try (KafkaProducer<String, byte[]> producer =
             new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      // the producer's first send fetches metadata: not part of any round
      producer.partitionsFor(topic);
      for (int i = 0; i < rounds; i++) {
        WindowPane pane = Panes.counter("m1", "session_rotate_fail_total", Panes.bucketStart(t0, i), 1, true,
            Map.of("reason", "r" + i), 1);
        byte[] value = EventCodec.encode(Panes.event(pane)).getBytes();
        sentAt[i] = System.nanoTime();
        producer.send(new ProducerRecord<>(topic, pane.metric(), value));
        Thread.sleep(PACE_MS);
      }
      producer.flush();
    }
    long[] arrived = new long[rounds];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int seen = 0;
    while (seen < rounds && System.nanoTime() < deadline) {
      Arrays.fill(arrived, 0);
      seen = 0;
      for (WebhookReceiver.Call call : hook.calls()) {
        for (Object o : call.body().getJsonArray("alerts")) {
          JsonObject alert = (JsonObject) o;
          if ("firing".equals(alert.getString("status"))) {
            int i = Integer.parseInt(alert.getJsonObject("labels").getString("reason").substring(1));
            if (arrived[i] == 0) {
              arrived[i] = call.arrivedNanos();
              seen++;
            }
          }
        }
      }
      Thread.sleep(100);
    }
    if (seen < rounds) {
      throw new IllegalStateException("only " + seen + " of " + rounds + " alerts reached the webhook");
    }
    long[] latency = new long[MEASURED];
    for (int i = 0; i < MEASURED; i++) {
      latency[i] = arrived[WARMUP + i] - sentAt[WARMUP + i];
    }
    Arrays.sort(latency);
    System.out.printf("window close -> webhook call, %d alerts (after %d warm-up), one every %d ms:%n", MEASURED,
        WARMUP, PACE_MS);
    System.out.printf("p50=%.1f ms p95=%.1f ms p99=%.1f ms max=%.1f ms%n", ms(latency, 0.50), ms(latency, 0.95),
        ms(latency, 0.99), latency[MEASURED - 1] / 1e6);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
  }
}
