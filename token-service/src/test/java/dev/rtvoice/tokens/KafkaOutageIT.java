package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.ChildProcessKafkaBroker;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.tokens.domain.SecretFingerprint;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * No issued secret without its event, with {@code TOKEN_EVENT_DURABILITY=kafka} (the answer waits for
 * Kafka; the default outbox is {@link OutboxCrashIT}'s): clients keep issuing while the broker is stopped and started
 * again (a broker of this test's own, on a kept data folder, so it comes back with its topics).
 * Every 201 must have its {@code token.issued} on the topic afterwards; while the broker is away the
 * answer is 503 {@code unavailable} with Retry-After, mostly at once, without calling upstream.
 * {@code -Dtoken.outage.seconds=130} runs the same test through a longer outage (15 s by default).
 */
class KafkaOutageIT {
  private static final int CLIENTS = 4;
  private static final String PREFIX = "outage.";

  private record Answer(long atNanos, int status, JsonObject body, String retryAfter) {}

  @Test
  void everyIssuanceAnswered201HasItsEventThroughABrokerOutage() throws Exception {
    String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    assumeTrue(external == null || external.isBlank(), "needs a broker of its own that it can stop");
    Duration outage = Duration.ofSeconds(Long.getLong("token.outage.seconds", 15));
    Path dir = Files.createTempDirectory("token-outage-kafka-");
    ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(dir, 0, 0));
    List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    try (TokenServiceHarness h = TokenServiceHarness.onBroker(broker.bootstrapServers(), PREFIX, Map.of(
        "TOKEN_EVENT_DURABILITY", "kafka", "TOKEN_EVENT_DEADLINE", "1s", "RATE_LIMIT_USER_PER_MINUTE", "0",
        "RATE_LIMIT_DEVICE_PER_MINUTE", "0"))) {
      for (int i = 0; i < CLIENTS; i++) {
        String device = "device-" + i;
        Thread client = new Thread(() -> {
          while (running.get()) {
            Http.Response r = h.issue("user-" + device, device, null);
            answers.add(new Answer(System.nanoTime(), r.status(), r.json(), r.header("Retry-After")));
            sleep(20);
          }
        }, "issuer-" + i);
        client.start();
        clients.add(client);
      }
      awaitTrue(() -> count(answers, 201) >= 40, Duration.ofSeconds(30), "issuances before the outage");

      broker.close();
      long stoppedAt = System.nanoTime();
      long mintedAtStop = h.simSecretCalls();
      Thread.sleep(outage.toMillis());
      long mintedDuringOutage = h.simSecretCalls() - mintedAtStop;
      int answeredDuringOutage = countSince(answers, stoppedAt, 0);

      broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(dir, 0, 0));
      long restartedAt = System.nanoTime();
      awaitTrue(() -> countSince(answers, restartedAt, 201) >= 40, Duration.ofSeconds(60),
          "issuances after the broker came back");
      running.set(false);
      for (Thread client : clients) {
        client.join(10_000);
      }

      List<Answer> all;
      synchronized (answers) {
        all = new ArrayList<>(answers);
      }
      List<Answer> refused = all.stream().filter(x -> x.status() == 503).toList();
      assertThat(all).extracting(Answer::status).containsOnly(201, 503);
      assertThat(refused).as("the outage was seen").isNotEmpty();
      for (Answer r : refused) {
        assertThat(r.body().getJsonObject("error").getString("code")).isEqualTo("unavailable");
        assertThat(r.retryAfter()).isNotNull();
        assertThat(Integer.parseInt(r.retryAfter())).isPositive();
      }
      // while the broker was known down, requests were refused at once, without minting a secret upstream
      assertThat(answeredDuringOutage).isGreaterThan(50);
      assertThat(mintedDuringOutage).isLessThan(answeredDuringOutage / 4);

      Map<String, String> issuedEvents = issuedEvents(broker.bootstrapServers(), h.tokenTopic(),
          count(all, 201));
      List<Answer> issued = all.stream().filter(x -> x.status() == 201).toList();
      for (Answer ok : issued) {
        String sessionId = ok.body().getString("session_id");
        assertThat(issuedEvents).as("token.issued of %s", sessionId).containsKey(sessionId);
        assertThat(issuedEvents.get(sessionId)).isEqualTo(SecretFingerprint.of(ok.body().getString("value")));
      }
      System.out.printf("outage of %d s: %d answered 201 (each with its event), %d answered 503; %d secrets minted "
          + "upstream during the outage for %d requests%n", outage.toSeconds(), issued.size(), refused.size(),
          mintedDuringOutage, answeredDuringOutage);
    } finally {
      running.set(false);
      broker.close();
      deleteRecursively(dir);
    }
  }

  /** session_id to secret fingerprint of every token.issued on the topic, read until {@code atLeast} are seen. */
  private static Map<String, String> issuedEvents(String bootstrap, String topic, int atLeast) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("enable.auto.commit", "false");
    Map<String, String> issued = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
             new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (issued.size() < atLeast && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          EventEnvelope event = EventCodec.decode(Buffer.buffer(record.value()));
          if (event.type() == EventType.TOKEN_ISSUED) {
            issued.put(event.sessionId(), event.payload().getString("secret_fingerprint"));
          }
        }
      }
    }
    return issued;
  }

  private static int count(List<Answer> answers, int status) {
    synchronized (answers) {
      return (int) answers.stream().filter(x -> x.status() == status).count();
    }
  }

  /** Answers after {@code sinceNanos} with {@code status}, or with any status for 0. */
  private static int countSince(List<Answer> answers, long sinceNanos, int status) {
    synchronized (answers) {
      return (int) answers.stream().filter(x -> x.atNanos() > sinceNanos && (status == 0 || x.status() == status))
          .count();
    }
  }

  private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
