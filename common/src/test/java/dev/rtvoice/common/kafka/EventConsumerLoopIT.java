package dev.rtvoice.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import static dev.rtvoice.common.testing.Eventually.await;

import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Kafka adapters against a real broker: publish, consume, commit-after-effect, dead letters. */
@ExtendWith(KafkaBrokerExtension.class)
class EventConsumerLoopIT {
  private Vertx vertx;
  private final List<EventConsumerLoop> loops = new ArrayList<>();
  private final List<EventPublisher> publishers = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (EventConsumerLoop loop : loops) {
      loop.stop().await(20, TimeUnit.SECONDS);
    }
    for (EventPublisher publisher : publishers) {
      publisher.close().await(20, TimeUnit.SECONDS);
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private static EventEnvelope event(String session, int n) {
    return EventEnvelope.create(EventType.SESSION_CLIENT_EVENT, session, Instant.now(), Instant.now(), "test",
        new JsonObject().put("n", n));
  }

  private EventPublisher publisher(TestKafka kafka) {
    EventPublisher publisher = new EventPublisher(vertx, kafka.settings("it"), "producer", new SimpleMeterRegistry());
    publishers.add(publisher);
    return publisher;
  }

  private Topics provision(TestKafka kafka) throws Exception {
    Topics topics = kafka.topics();
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, kafka.settings("it").adminConfig());
    try {
      new TopicProvisioner(admin).ensure(topics.withDeadLetter(Topics.SESSION_COMMANDS)).await(30, TimeUnit.SECONDS);
    } finally {
      admin.close().await(10, TimeUnit.SECONDS);
    }
    kafka.awaitLeaders(topics.sessionCommands(), Duration.ofSeconds(30));
    return topics;
  }

  private EventConsumerLoop start(TestKafka kafka, String topic, String group, EventConsumerLoop.BatchHandler handler,
                                  SimpleMeterRegistry registry) throws Exception {
    EventConsumerLoop loop = EventConsumerLoop.builder(vertx, kafka.settings("it"))
        .group(group)
        .topics(Set.of(topic))
        .handler(handler)
        .deadLetters(publisher(kafka))
        .metrics(registry)
        .build();
    loops.add(loop);
    loop.start().await(30, TimeUnit.SECONDS);
    return loop;
  }

  @Test
  void publishedEventsAreConsumedInOrderPerSession(TestKafka kafka) throws Exception {
    Topics topics = provision(kafka);
    String topic = topics.sessionCommands();
    EventPublisher publisher = publisher(kafka);
    List<Future<?>> sends = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      sends.add(publisher.publish(topic, event("s" + (i % 7), i)));
    }
    Future.all(sends).await(30, TimeUnit.SECONDS);

    List<ConsumedEvent> seen = new CopyOnWriteArrayList<>();
    start(kafka, topic, "g-order", batch -> {
      seen.addAll(batch);
      return Future.succeededFuture();
    }, new SimpleMeterRegistry());

    await(() -> seen.size() >= 300, Duration.ofSeconds(30));
    assertThat(seen).hasSize(300);
    for (int s = 0; s < 7; s++) {
      String session = "s" + s;
      List<Integer> order = seen.stream().filter(e -> e.event().sessionId().equals(session))
          .map(e -> e.event().payloadView().getInteger("n")).toList();
      assertThat(order).isSorted();
      // keyed by session: one session's events share a partition
      assertThat(seen.stream().filter(e -> e.key().equals(session)).map(ConsumedEvent::partition).distinct()).hasSize(1);
    }
  }

  @Test
  void undecodableRecordGoesToDeadLetterTopicAndConsumerKeepsGoing(TestKafka kafka) throws Exception {
    Topics topics = provision(kafka);
    String topic = topics.sessionCommands();
    kafka.produce(topic, event("s1", 1));
    kafka.produceRaw(topic, "s1", "{\"type\":\"session.client_event\"}".getBytes(StandardCharsets.UTF_8));
    kafka.produceRaw(topic, "s1", "not json at all".getBytes(StandardCharsets.UTF_8));
    kafka.produce(topic, event("s1", 2));

    List<ConsumedEvent> seen = new CopyOnWriteArrayList<>();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    start(kafka, topic, "g-dlq", batch -> {
      seen.addAll(batch);
      return Future.succeededFuture();
    }, registry);
    await(() -> seen.size() >= 2, Duration.ofSeconds(30));
    assertThat(seen).extracting(e -> e.event().payloadView().getInteger("n")).containsExactly(1, 2);

    List<ConsumerRecord<String, byte[]>> dead = kafka.readRecords(Topics.deadLetterOf(topic), 2, Duration.ofSeconds(20));
    assertThat(dead).hasSize(2);
    assertThat(header(dead.get(0), "dlq.field")).isEqualTo("event_id");
    assertThat(header(dead.get(0), "dlq.reason")).contains("event_id");
    assertThat(header(dead.get(1), "dlq.field")).isEqualTo("value");
    assertThat(new String(dead.get(1).value(), StandardCharsets.UTF_8)).isEqualTo("not json at all");
    assertThat(header(dead.get(1), "dlq.source.topic")).isEqualTo(topic);
    assertThat(registry.get("kafka_records_dead_lettered_total").counters().stream()
        .mapToDouble(c -> c.count()).sum()).isEqualTo(2.0);

    // still consuming after the bad records
    kafka.produce(topic, event("s1", 3));
    await(() -> seen.size() >= 3, Duration.ofSeconds(30));
  }

  @Test
  void offsetsAreCommittedOnlyAfterTheEffectCompletes(TestKafka kafka) throws Exception {
    Topics topics = provision(kafka);
    String topic = topics.sessionCommands();
    for (int i = 0; i < 5; i++) {
      kafka.produce(topic, event("same-session", i));
    }
    Promise<Void> effect = Promise.promise();
    List<ConsumedEvent> seen = new CopyOnWriteArrayList<>();
    start(kafka, topic, "g-commit", batch -> {
      seen.addAll(batch);
      return effect.future();
    }, new SimpleMeterRegistry());
    await(() -> seen.size() >= 5, Duration.ofSeconds(30));
    Thread.sleep(500);
    assertThat(committed(kafka, "g-commit")).isZero();

    vertx.runOnContext(v -> effect.complete());
    await(() -> committed(kafka, "g-commit") == 5, Duration.ofSeconds(20));
  }

  @Test
  void failedBatchIsRedeliveredAndNothingIsLost(TestKafka kafka) throws Exception {
    Topics topics = provision(kafka);
    String topic = topics.sessionCommands();
    for (int i = 0; i < 10; i++) {
      kafka.produce(topic, event("s", i));
    }
    AtomicBoolean failOnce = new AtomicBoolean(true);
    List<Integer> applied = Collections.synchronizedList(new ArrayList<>());
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    start(kafka, topic, "g-retry", batch -> {
      batch.forEach(e -> attempts.add(e.event().payloadView().getInteger("n")));
      if (failOnce.getAndSet(false)) {
        return Future.failedFuture("simulated outage of the effect's store");
      }
      batch.forEach(e -> applied.add(e.event().payloadView().getInteger("n")));
      return Future.succeededFuture();
    }, new SimpleMeterRegistry());

    await(() -> applied.size() >= 10, Duration.ofSeconds(30));
    assertThat(applied).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(attempts.size()).isGreaterThan(10);
    await(() -> committed(kafka, "g-retry") == 10, Duration.ofSeconds(20));
  }

  private long committed(TestKafka kafka, String group) {
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, kafka.settings("it").adminConfig());
    try {
      return admin.listConsumerGroupOffsets(group).await(10, TimeUnit.SECONDS).values().stream()
          .mapToLong(o -> o.getOffset()).sum();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      admin.close();
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
