package dev.rtvoice.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The console's counters on the real broker: panes of two metrics-service instances on
 * {@code realtime.metrics.windows} (some written before the console starts, some after) add up,
 * whichever instance a proxy would reach; a grown pane replaces its earlier version, a late part
 * adds to its bucket, latency panes and records that are no pane are left out.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ClusterCountersIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long BUCKET = 10_000;

  private final long t0 = Instant.now().minus(20, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();

  @Test
  void countersAddUpOverEveryInstanceAndFollowNewPanes(TestKafka kafka) throws Exception {
    String topic = kafka.topics().metricsWindows();
    kafka.createTopic(topic, 3);
    // before the console starts: two instances' panes of the same buckets
    produce(kafka, counter("m1", "interrupt_total", 0, 1, 2));
    produce(kafka, counter("m1", "interrupt_total", 0, 2, 3)); // the same bucket grown: replaces version 1
    produce(kafka, counter("m2", "interrupt_total", 0, 1, 4));
    produce(kafka, counter("m2", "token_rotated_total", 1, 1, 5));
    produce(kafka, counter("m1#late-1", "interrupt_total", 0, 1, 1)); // folded in after m1's final pane
    produce(kafka, latency("m1", 1));
    kafka.produceRaw(topic, "interrupt_total", "not an event".getBytes(StandardCharsets.UTF_8));

    ServiceRuntime runtime = ServiceRuntime.create("console");
    try {
      Map<String, String> env = new HashMap<>(kafka.env());
      env.put("CONSOLE_PORT", "0");
      env.put("HTTP_HOST", "127.0.0.1");
      ConsoleVerticle verticle = ConsoleMain.deploy(runtime, new Env(env)).await(30, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + verticle.port() + "/console/counters.json";

      Eventually.await("counters read", () -> Http.get(base).status() == 200, WAIT);
      JsonObject first = Http.get(base).json();
      assertThat(first.getString("window")).isEqualTo("1h");
      assertThat(first.getJsonArray("instances").getList()).containsExactly("m1", "m2");
      assertThat(first.getJsonObject("counters").getDouble("interrupt_total")).isEqualTo(3 + 4 + 1);
      assertThat(first.getJsonObject("counters").getDouble("token_rotated_total")).isEqualTo(5);
      assertThat(first.getJsonObject("counters").containsKey("latency.first_audio")).isFalse();
      assertThat(first.getString("window_end")).isEqualTo(Instant.ofEpochMilli(t0 + 2 * BUCKET).toString());

      // live: a new bucket from m2 and a grown pane from m1
      produce(kafka, counter("m2", "interrupt_total", 2, 1, 10));
      produce(kafka, counter("m1", "interrupt_total", 0, 3, 6));
      Eventually.await("new panes counted", () -> Http.get(base).json().getJsonObject("counters")
          .getDouble("interrupt_total") == 6 + 4 + 1 + 10, WAIT);
      // the last 5 minutes of event time still hold everything (three buckets)
      assertThat(Http.get(base + "?window=5m").json().getJsonObject("counters").getDouble("interrupt_total"))
          .isEqualTo(21);

      Http.Response bad = Http.get(base + "?window=2d");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.error().getString("code")).isEqualTo("invalid_request");
    } finally {
      runtime.close().await(30, TimeUnit.SECONDS);
    }
  }

  private WindowPane counter(String instance, String metric, int bucket, long version, double total) {
    long start = t0 + bucket * BUCKET;
    // two label sets: the console sums over them
    return new WindowPane(instance, metric, WindowPane.Kind.COUNTER, Instant.ofEpochMilli(start),
        Instant.ofEpochMilli(start + BUCKET), false, version, List.of(
            new WindowPane.Series(Map.of("platform", "web"), total - 1, null),
            new WindowPane.Series(Map.of("platform", "ios"), 1, null)));
  }

  private WindowPane latency(String instance, int bucket) {
    LatencySketch sketch = new LatencySketch();
    sketch.record(120);
    long start = t0 + bucket * BUCKET;
    return new WindowPane(instance, "latency.first_audio", WindowPane.Kind.LATENCY, Instant.ofEpochMilli(start),
        Instant.ofEpochMilli(start + BUCKET), true, 1, List.of(new WindowPane.Series(Map.of(), 1, sketch)));
  }

  private static void produce(TestKafka kafka, WindowPane pane) {
    EventEnvelope event = EventEnvelope.create(EventType.METRICS_WINDOW, null, pane.bucketEnd(), Instant.now(),
        "metrics-service", pane.toJson());
    kafka.produceRaw(kafka.topics().metricsWindows(), pane.metric(), EventCodec.encode(event).getBytes());
  }
}
