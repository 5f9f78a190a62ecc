package dev.rtvoice.metrics.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.metrics.testing.Panes;
import dev.rtvoice.metrics.testing.ServiceUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code POST /v1/telemetry} and the budget report against a real broker. */
@ExtendWith(KafkaBrokerExtension.class)
class TelemetryIT {
  private static TestKafka kafka;
  private static ServiceUnderTest service;

  @BeforeAll
  static void start(TestKafka testKafka) {
    kafka = testKafka;
    service = ServiceUnderTest.start(kafka, Map.of());
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  private static JsonObject sample(String stage, double ms, Instant at) {
    return new JsonObject().put("stage", stage).put("value_ms", ms).put("turn", 1)
        .put("occurred_at", at.toString()).put("platform", "web-chrome");
  }

  private static String batch(JsonArray samples) {
    return new JsonObject().put("samples", samples).encode();
  }

  @Test
  void onlyAValidRotationTokenMayPost() {
    String body = batch(new JsonArray().add(sample("capture", 40, Instant.now())));
    String url = service.url("/v1/telemetry");

    Http.Response none = Http.post(url, body);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.error().getString("code")).isEqualTo("invalid_token");
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");

    assertThat(Http.post(url, body, "Authorization", "Bearer not-a-token").error().getString("code"))
        .isEqualTo("invalid_token");
    String forged = new SessionHandleCodec("another-key-that-is-32-bytes-long-000000", null, Clock.systemUTC())
        .sign(new SessionHandle("s-1", "u", "d", 0, Instant.now(), Instant.now().plusSeconds(60),
            Instant.now().plusSeconds(90)));
    Http.Response forgedAnswer = Http.post(url, body, "Authorization", "Bearer " + forged);
    assertThat(forgedAnswer.status()).isEqualTo(401);
    assertThat(forgedAnswer.error().getString("code")).isEqualTo("invalid_token");
    assertThat(forgedAnswer.body()).doesNotContain(forged);

    Http.Response expired = Http.post(url, body, "Authorization", "Bearer " + service.expiredToken("s-1"));
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.error().getString("code")).isEqualTo("session_expired");
  }

  @Test
  void eachSampleIsJudgedAloneAndTheAnswerComesOnceTheAcceptedOnesAreOnKafka() {
    Instant now = Instant.now();
    JsonArray samples = new JsonArray()
        .add(sample("capture", 42, now))
        .add("not an object")                                                  // 1
        .add(sample("capture", 41, now).put("session_id", "someone-else"))     // 2
        .add(sample("thinking", 41, now))                                      // 3
        .add(sample("inference", 400, now))                                    // 4
        .add(sample("uplink", 41, now).put("value_ms", "fast"))                // 5
        .add(sample("uplink", 130_000, now))                                   // 6
        .add(sample("uplink", 41, now).put("occurred_at", "yesterday"))        // 7
        .add(sample("uplink", 41, now.minusSeconds(60)))                       // 8
        .add(sample("uplink", 41, now.plusSeconds(60)))                        // 9
        .add(sample("uplink", 41, now).put("turn", -1))                        // 10
        .add(sample("uplink", 41, now).put("platform", "web chrome"))          // 11
        .add(sample("uplink", 41, now).put("model", "gpt/realtime"))           // 12
        .add(sample("uplink", 41, now).put("session_id", 7))                   // 13
        .add(sample("first_audio", 900, now).put("session_id", "s-judge"))
        .add(sample("uplink", 55, now))
        .add(sample("playback", 120, now).put("occurred_at", now.toEpochMilli()));
    Http.Response answer = service.post("s-judge", batch(samples));
    assertThat(answer.status()).isEqualTo(200);
    JsonObject json = answer.json();
    assertThat(json.getInteger("accepted")).isEqualTo(4);
    assertThat(json.getInteger("rejected")).isEqualTo(13);
    Map<Integer, String> reasons = json.getJsonArray("rejections").stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(r -> r.getInteger("index"), r -> r.getString("reason")));
    assertThat(reasons).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry(1, "not_an_object"), Map.entry(2, "session_mismatch"), Map.entry(3, "unknown_stage"),
        Map.entry(4, "unknown_stage"), Map.entry(5, "invalid_value"), Map.entry(6, "out_of_range"),
        Map.entry(7, "invalid_occurred_at"), Map.entry(8, "too_late"), Map.entry(9, "in_future"),
        Map.entry(10, "invalid_turn"), Map.entry(11, "invalid_platform"), Map.entry(12, "invalid_model"),
        Map.entry(13, "invalid_session_id")));
    assertThat(json.getJsonArray("rejections").getJsonObject(0).getString("message")).isNotBlank();

    // 200 means durable: the batch is on the samples topic already, with the accepted samples only
    List<EventEnvelope> stored = kafka.readEventsUntil(kafka.topicPrefix() + "realtime.latency.samples",
        events -> events.stream().anyMatch(e -> "s-judge".equals(e.sessionId())), Duration.ofSeconds(1));
    EventEnvelope chunk = stored.stream().filter(e -> "s-judge".equals(e.sessionId())).findFirst().orElseThrow();
    assertThat(chunk.type()).isEqualTo(EventType.LATENCY_BATCH);
    assertThat(chunk.payloadView().getJsonArray("samples")).hasSize(4);
    // and the consumer group folds it into the windows
    Eventually.await("panes of the batch", () -> Panes.onTopicNow(kafka.bootstrapServers(),
        kafka.topicPrefix() + "realtime.metrics.windows").total("latency.playback") >= 1, Duration.ofSeconds(15));
    Panes panes = Panes.onTopicNow(kafka.bootstrapServers(), kafka.topicPrefix() + "realtime.metrics.windows");
    assertThat(panes.total("latency.capture")).isGreaterThanOrEqualTo(1);
    assertThat(panes.total("latency.first_audio")).isGreaterThanOrEqualTo(1);
    assertThat(panes.total("latency.playback")).isGreaterThanOrEqualTo(1);
    assertThat(panes.total("latency.uplink")).isGreaterThanOrEqualTo(1);
    assertThat(panes.all()).allMatch(p -> p.series().stream().allMatch(s -> s.labels().containsKey("platform")));
  }

  @Test
  void aBatchThatIsNotOneIsRefusedWholeWithTheFieldNamed() {
    Http.Response notJson = service.post("s-bad", "{\"samples\": [");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.error().getString("code")).isEqualTo("invalid_json");

    JsonArray many = new JsonArray();
    for (int i = 0; i < 501; i++) {
      many.add(sample("capture", 40, Instant.now()));
    }
    Http.Response tooMany = service.post("s-bad", batch(many));
    assertThat(tooMany.status()).isEqualTo(400);
    assertThat(tooMany.error().getString("field")).isEqualTo("samples");
    assertThat(tooMany.error().getString("message")).contains("at most 500");

    Http.Response noSamples = service.post("s-bad", "{}");
    assertThat(noSamples.status()).isEqualTo(400);
    assertThat(noSamples.error().getString("field")).isEqualTo("samples");

    Http.Response otherSession = service.post("s-bad",
        new JsonObject().put("session_id", "s-other").put("samples", new JsonArray()).encode());
    assertThat(otherSession.status()).isEqualTo(403);
    assertThat(otherSession.error().getString("code")).isEqualTo("session_mismatch");

    Http.Response huge = service.post("s-bad", "{\"samples\":[\"" + "x".repeat(700_000) + "\"]}");
    assertThat(huge.status()).isEqualTo(413);
    assertThat(huge.error().getString("code")).isEqualTo("payload_too_large");

    Http.Response window = Http.get(service.url("/v1/latency/budget?window=2m"));
    assertThat(window.status()).isEqualTo(400);
    assertThat(window.error().getString("field")).isEqualTo("window");
  }

  @Test
  void earlyPanesThenTheFinalPaneAndTheBudgetReportCountsEverySample() {
    String session = "s-panes";
    int total = 0;
    Map<String, Integer> perStage = new HashMap<>();
    for (int round = 0; round < 3; round++) {
      JsonArray samples = new JsonArray();
      for (int i = 0; i < 200; i++) {
        String stage = List.of("capture", "uplink", "downlink", "playback", "first_audio").get(i % 5);
        samples.add(sample(stage, 20 + i, Instant.now()).put("platform", i % 2 == 0 ? "ios" : "android"));
        perStage.merge(stage, 1, Integer::sum);
      }
      Http.Response answer = service.post(session, batch(samples));
      assertThat(answer.json().getInteger("accepted")).isEqualTo(200);
      total += 200;
    }
    String topic = kafka.topicPrefix() + "realtime.metrics.windows";
    String instance = Http.get(service.url("/v1/windows/status")).json().getString("instance_id");
    // samples reach the windows through the latency.batch topic, so panes come some time after the 200s;
    // the watermark follows the wall clock once traffic stops: every bucket closes with a final pane.
    // (An await on "all panes final" alone would pass on no panes at all.)
    Eventually.await("final panes holding every sample", () -> {
      Panes panes = Panes.onTopicNow(kafka.bootstrapServers(), topic);
      boolean everyStage = perStage.entrySet().stream()
          .allMatch(stage -> panes.total("latency." + stage.getKey()) >= stage.getValue());
      return everyStage && panes.newest().stream()
          .filter(p -> p.instanceId().equals(instance) && p.metric().startsWith("latency."))
          .allMatch(WindowPane::finalPane);
    }, Duration.ofSeconds(20));
    Panes panes = Panes.onTopicNow(kafka.bootstrapServers(), topic);
    for (Map.Entry<String, Integer> stage : perStage.entrySet()) {
      assertThat(panes.total("latency." + stage.getKey())).as(stage.getKey()).isGreaterThanOrEqualTo(stage.getValue());
    }
    // versions grow per bucket across metrics; the final pane is the newest of its bucket
    Map<String, List<WindowPane>> byBucket = panes.all().stream().filter(p -> p.instanceId().equals(instance))
        .collect(Collectors.groupingBy(p -> p.metric() + "@" + p.bucketStart()));
    for (List<WindowPane> history : byBucket.values()) {
      for (int i = 1; i < history.size(); i++) {
        assertThat(history.get(i).paneVersion()).isGreaterThan(history.get(i - 1).paneVersion());
        assertThat(history.get(i - 1).finalPane()).isFalse();
      }
    }

    int expected = total;
    Eventually.await("budget report counts every sample", () -> {
      JsonObject report = Http.get(service.url("/v1/latency/budget?window=5m")).json();
      JsonObject stages = report.getJsonObject("stages");
      long counted = 0;
      for (String stage : List.of("capture", "uplink", "downlink", "playback", "first_audio")) {
        counted += stages.getJsonObject(stage).getLong("count");
      }
      return counted >= expected;
    }, Duration.ofSeconds(10));
    JsonObject report = Http.get(service.url("/v1/latency/budget?window=5m")).json();
    assertThat(report.getString("window")).isEqualTo("5m");
    assertThat(report.getInteger("instances")).isGreaterThanOrEqualTo(1);
    JsonObject capture = report.getJsonObject("stages").getJsonObject("capture");
    assertThat(capture.getDouble("p50_ms")).isPositive();
    assertThat(capture.getDouble("p99_ms")).isGreaterThanOrEqualTo(capture.getDouble("p95_ms"));
    assertThat(capture.getJsonObject("budget_ms").getDouble("max")).isEqualTo(150.0);
    assertThat(capture.getString("verdict")).isIn("within", "over");
    assertThat(report.getJsonObject("stages").getJsonObject("full_turn").getString("verdict")).isIn("no_data", "no_budget");
    assertThat(report.getJsonObject("stages").getJsonObject("full_turn").getValue("p95_ms")).isNull();
  }
}
