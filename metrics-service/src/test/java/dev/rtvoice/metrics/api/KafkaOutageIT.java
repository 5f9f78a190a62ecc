package dev.rtvoice.metrics.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.broker.BrokerOptions;
import dev.rtvoice.common.broker.ChildProcessKafkaBroker;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.metrics.testing.ServiceUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker outage, for real: a broker of this test's own (so that stopping it disturbs no other
 * test) is stopped and restarted on its data. While it is down, a POST is answered 503
 * {@code unavailable} with {@code Retry-After} within the deadline, and the next ones at once; once
 * it is back, the client's retries with the same {@code batch_id} succeed and every batch is
 * counted once.
 */
class KafkaOutageIT {
  private static final Duration DEADLINE = Duration.ofSeconds(2);

  private static String batch(String batchId, int samples) {
    JsonArray list = new JsonArray();
    Instant now = Instant.now();
    for (int i = 0; i < samples; i++) {
      list.add(new JsonObject().put("stage", "playback").put("value_ms", 100 + i).put("turn", i)
          .put("occurred_at", now.toString()).put("platform", "web"));
    }
    return new JsonObject().put("batch_id", batchId).put("samples", list).encode();
  }

  @Test
  void whileTheBrokerIsDownWritesFailFastAndAfterItsRestartRetriesCountOnce(@TempDir Path data) {
    BrokerOptions options = BrokerOptions.persistent(data.resolve("kafka"), 0, 0);
    ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(options);
    // the outage lasts longer than the lateness: the retries must still be on time
    Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
        "KAFKA_TOPIC_PARTITIONS", "2", "KAFKA_SESSION_TIMEOUT", "6s");
    ServiceUnderTest service = ServiceUnderTest.start(env, Map.of("TELEMETRY_DEADLINE", DEADLINE.toString()
        .substring(2).toLowerCase(), "WINDOW_ALLOWED_LATENESS", "5m"));
    try {
      assertThat(service.post("s-outage", batch("before", 5)).status()).isEqualTo(200);

      broker.close();
      String during = batch("during", 7);
      long start = System.nanoTime();
      Http.Response first = service.post("s-outage", during);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(first.status()).isEqualTo(503);
      assertThat(first.error().getString("code")).isEqualTo("unavailable");
      assertThat(first.header("Retry-After")).isEqualTo("1");
      // the deadline, not the producer's 30 s delivery timeout (generous bound for a loaded machine)
      assertThat(took).isLessThan(DEADLINE.plusSeconds(5));

      // known down now: refused without waiting for the deadline again
      String next = batch("next", 3);
      start = System.nanoTime();
      Http.Response refused = service.post("s-outage", next);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.error().getString("code")).isEqualTo("unavailable");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEADLINE);
      // bad input is still judged while Kafka is down
      assertThat(service.post("s-outage", "{").status()).isEqualTo(400);

      broker = ChildProcessKafkaBroker.start(options);
      // the client library retries each batch with its batch_id until it is taken
      Eventually.await("writes taken again", () -> service.post("s-outage", during).status() == 200,
          Duration.ofSeconds(60));
      assertThat(service.post("s-outage", next).status()).isEqualTo(200);
      Eventually.await("every batch counted", () -> service.counted("playback") >= 15, Duration.ofSeconds(60));
      assertThat(service.counted("playback")).isEqualTo(15);
    } finally {
      service.close();
      broker.close();
    }
  }
}
