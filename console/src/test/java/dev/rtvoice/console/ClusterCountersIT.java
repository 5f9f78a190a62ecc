package dev.rtvoice.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.WindowPaneCodec;
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

  @Test
  void historyHoldsEachStagesP95PerMinuteAndTheCountersIncreasesOverEveryInstance(TestKafka kafka) throws Exception {
    String topic = kafka.topics().metricsWindows();
    kafka.createTopic(topic, 3);
    // t0 is a minute boundary 20 minutes back: buckets 0..5 are minute 0, bucket 6 minute 1
    produce(kafka, latency("m1", "latency.first_audio", 0, false, 1, 100, 50)); // early: replaced below
    produce(kafka, latency("m1", "latency.first_audio", 0, true, 2, 100, 100));
    produce(kafka, latency("m2", "latency.first_audio", 1, true, 1, 1000, 100));
    produce(kafka, latency("m2", "latency.uplink", 6, true, 1, 40, 10));
    produce(kafka, counter("m1", "interrupt_total", 0, 1, 2));
    produce(kafka, counter("m2", "interrupt_total", 6, 1, 3));
    produce(kafka, labelled("m1", "session_rollover_total", 0, Map.of("completed", 4.0, "failed", 1.0)));
    produce(kafka, labelled("m2", "session_rollover_total", 1, Map.of("failed", 2.0, "Bad Value!", 1.0)));

    ServiceRuntime runtime = ServiceRuntime.create("console");
    try {
      Map<String, String> env = new HashMap<>(kafka.env());
      env.put("CONSOLE_PORT", "0");
      env.put("HTTP_HOST", "127.0.0.1");
      ConsoleVerticle verticle = ConsoleMain.deploy(runtime, new Env(env)).await(30, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + verticle.port();
      Eventually.await("history read", () -> Http.get(base + "/console/history.json").status() == 200, WAIT);

      JsonObject h = Http.get(base + "/console/history.json").json();
      assertThat(h.getString("window")).isEqualTo("1h");
      assertThat(h.getInteger("step_s")).isEqualTo(60);
      List<Long> time = h.getJsonArray("time").stream().map(t -> ((Number) t).longValue()).toList();
      assertThat(time).hasSize(60);
      int m0 = time.indexOf(t0 / 1000);
      assertThat(m0).as("minute 0 within the last hour").isGreaterThanOrEqualTo(0);
      assertThat(h.getJsonArray("instances").getList()).containsExactly("m1", "m2");

      JsonObject firstAudio = h.getJsonObject("latency").getJsonObject("first_audio");
      // m1's final pane (100 samples at 100 ms) replaced its early one; with m2's 100 at 1000 ms, the
      // merged p95 is m2's value
      assertThat(firstAudio.getJsonArray("count").getLong(m0)).isEqualTo(200);
      assertThat(firstAudio.getJsonArray("p95_ms").getDouble(m0)).isBetween(990.0, 1010.0);
      assertThat(firstAudio.getJsonArray("p95_ms").getValue(m0 + 1)).isNull();
      JsonObject uplink = h.getJsonObject("latency").getJsonObject("uplink");
      assertThat(uplink.getJsonArray("count").getLong(m0 + 1)).isEqualTo(10);
      assertThat(h.getJsonObject("latency").fieldNames()).containsExactlyInAnyOrder("capture", "uplink", "inference",
          "downlink", "playback", "first_audio", "full_turn");

      JsonObject counters = h.getJsonObject("counters");
      assertThat(counters.getJsonArray("interrupt_total").getDouble(m0)).isEqualTo(2);
      assertThat(counters.getJsonArray("interrupt_total").getDouble(m0 + 1)).isEqualTo(3);
      assertThat(counters.getJsonArray("session_rollover_total{outcome=\"failed\"}").getDouble(m0)).isEqualTo(3);
      assertThat(counters.getJsonArray("session_rollover_total{outcome=\"completed\"}").getDouble(m0)).isEqualTo(4);
      // a label value that is no plain word is shown as "other", never as it came
      assertThat(counters.getJsonArray("session_rollover_total{outcome=\"other\"}").getDouble(m0)).isEqualTo(1);
      // the split counters are in the window totals too (the console's tiles)
      JsonObject totals = Http.get(base + "/console/counters.json").json().getJsonObject("counters");
      assertThat(totals.getDouble("session_rollover_total")).isEqualTo(8);
      assertThat(totals.getDouble("session_rollover_total{outcome=\"failed\"}")).isEqualTo(3);

      // live: a new final pane of a third instance in minute 1
      produce(kafka, latency("m3", "latency.first_audio", 7, true, 1, 300, 5));
      Eventually.await("new pane in the history", () -> Http.get(base + "/console/history.json").json()
          .getJsonObject("latency").getJsonObject("first_audio").getJsonArray("count").getLong(m0 + 1) == 5, WAIT);

      assertThat(Http.get(base + "/console/history.json?window=15m").json().getJsonArray("time").getList()).hasSize(15);
      Http.Response bad = Http.get(base + "/console/history.json?window=1d");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.error().getString("code")).isEqualTo("invalid_request");
    } finally {
      runtime.close().await(30, TimeUnit.SECONDS);
    }
  }

  private WindowPane labelled(String instance, String metric, int bucket, Map<String, Double> byOutcome) {
    long start = t0 + bucket * BUCKET;
    List<WindowPane.Series> series = byOutcome.entrySet().stream()
        .map(e -> new WindowPane.Series(Map.of("outcome", e.getKey()), e.getValue(), null)).toList();
    return new WindowPane(instance, metric, WindowPane.Kind.COUNTER, Instant.ofEpochMilli(start),
        Instant.ofEpochMilli(start + BUCKET), true, 1, series);
  }

  private WindowPane latency(String instance, String metric, int bucket, boolean fin, long version, double ms,
                             int samples) {
    LatencySketch web = new LatencySketch();
    LatencySketch ios = new LatencySketch();
    for (int i = 0; i < samples; i++) {
      (i % 2 == 0 ? web : ios).record(ms);
    }
    long start = t0 + bucket * BUCKET;
    // two platforms: the console merges them
    return new WindowPane(instance, metric, WindowPane.Kind.LATENCY, Instant.ofEpochMilli(start),
        Instant.ofEpochMilli(start + BUCKET), fin, version, List.of(
            new WindowPane.Series(Map.of("platform", "web"), web.count(), web),
            new WindowPane.Series(Map.of("platform", "ios"), ios.count(), ios)));
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
        "metrics-service", WindowPaneCodec.encode(pane));
    kafka.produceRaw(kafka.topics().metricsWindows(), pane.metric(), EventCodec.encode(event).getBytes());
  }
}
