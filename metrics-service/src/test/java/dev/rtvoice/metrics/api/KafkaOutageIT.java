package dev.rtvoice.metrics.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.ChildProcessKafkaBroker;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.metrics.testing.ServiceUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker outage, for real: a broker of this test's own (so that stopping it disturbs no other
 * test) is stopped and restarted on its data. While it is down, a POST is answered 503
 * {@code unavailable} with {@code Retry-After} within the deadline, and the next ones at once; once
 * it is back, the client's retries with the same {@code batch_id} succeed and every batch is
 * counted once. The outage lasts longer than the allowed lateness: what it made late is still
 * taken and counted (the outage credit), what the client held from before it is not.
 */
class KafkaOutageIT {
  private static final Duration DEADLINE = Duration.ofSeconds(2);
  private static final Duration LATENESS = Duration.ofSeconds(4);

  private static String batch(String batchId, int samples) {
    return batch(batchId, samples, Instant.now());
  }

  private static String batch(String batchId, int samples, Instant now) {
    JsonArray list = new JsonArray();
    for (int i = 0; i < samples; i++) {
      list.add(new JsonObject().put("stage", "playback").put("value_ms", 100 + i).put("turn", i)
          .put("occurred_at", now.toString()).put("platform", "web"));
    }
    return new JsonObject().put("batch_id", batchId).put("samples", list).encode();
  }

  private static void produce(String bootstrap, String topic, EventEnvelope event) throws Exception {
    Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
      producer.send(new ProducerRecord<>(topic, event.sessionId(), EventCodec.encode(event).getBytes())).get();
    }
  }

  @Test
  void whileTheBrokerIsDownWritesFailFastAndAfterItsRestartRetriesCountOnce(@TempDir Path data) throws Exception {
    BrokerOptions options = BrokerOptions.persistent(data.resolve("kafka"), 0, 0);
    ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(options);
    Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
        "KAFKA_TOPIC_PARTITIONS", "2", "KAFKA_SESSION_TIMEOUT", "6s");
    ServiceUnderTest service = ServiceUnderTest.start(env, Map.of("TELEMETRY_DEADLINE", DEADLINE.toString()
        .substring(2).toLowerCase(), "WINDOW_ALLOWED_LATENESS", LATENESS.toSeconds() + "s", "OUTAGE_GRACE", "60s"));
    try {
      assertThat(service.post("s-outage", batch("before", 5)).status()).isEqualTo(200);

      Instant killed = Instant.now();
      broker.close();
      String during = batch("during", 7);
      long start = System.nanoTime();
      Http.Response first = service.post("s-outage", during);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(first.status()).isEqualTo(503);
      Instant knownDown = Instant.now(); // the service knows of the outage by now
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

      // the outage outlasts the lateness, whatever the broker's restart takes
      Thread.sleep(LATENESS.plusSeconds(1).toMillis());
      broker = ChildProcessKafkaBroker.start(options);
      // the client library retries each batch with its batch_id until it is taken: all of it, not too_late
      Eventually.await("writes taken again", () -> service.post("s-outage", during).status() == 200,
          Duration.ofSeconds(60));
      Http.Response retried = service.post("s-outage", next);
      assertThat(retried.status()).isEqualTo(200);
      assertThat(retried.json().getInteger("accepted")).isEqualTo(3);
      // samples the client held from before the outage began (beyond the lateness then): its own delay
      Http.Response held = service.post("s-outage", batch("held", 2, killed.minus(LATENESS).minusSeconds(10)));
      assertThat(held.json().getInteger("accepted")).isZero();
      assertThat(held.json().getJsonArray("rejections").getJsonObject(0).getString("reason")).isEqualTo("too_late");

      // session-service stamps a request the outage held back with the time it finally took it
      String sessions = "realtime.session.events";
      Instant now = Instant.now();
      produce(broker.bootstrapServers(), sessions, EventEnvelope.create(EventType.SESSION_INTERRUPTED, "s-outage",
          knownDown, now, "test", new JsonObject().put("interrupt_id", "i-outage").putNull("response_id")
          .put("phase_before", "THINKING").put("audio_end_ms", 0)));
      produce(broker.bootstrapServers(), sessions, EventEnvelope.create(EventType.SESSION_INTERRUPTED, "s-outage",
          killed.minus(LATENESS).minusSeconds(10), now, "test", new JsonObject().put("interrupt_id", "i-held")
          .putNull("response_id").put("phase_before", "THINKING").put("audio_end_ms", 0)));

      Eventually.await("every batch counted", () -> service.counted("playback") >= 15, Duration.ofSeconds(60));
      assertThat(service.counted("playback")).isEqualTo(15);
      Eventually.await("the interrupt the outage held back counted", () -> service.counter("interrupt_total") >= 1,
          Duration.ofSeconds(30));
      Eventually.await("the interrupt the client held back dropped",
          () -> service.counter("window_events_dropped_total") >= 1, Duration.ofSeconds(30));
      assertThat(service.counter("interrupt_total")).isEqualTo(1);
      // the samples of the retried batches that came after their bucket closed, and the interrupt
      assertThat(service.counter("window_outage_excused_total")).isGreaterThanOrEqualTo(1);
    } finally {
      service.close();
      broker.close();
    }
  }
}
