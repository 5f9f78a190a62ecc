package dev.rtvoice.common.kafka;

import static dev.rtvoice.common.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.ChildProcessKafkaBroker;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topic log against a real broker: catch-up while writers keep writing, what {@code readToEnd}
 * promises, partitions added later, a start time, a record its handler refuses, a broker restart while
 * following. Records are {@code key:seq} strings, so order per key and exactly-once delivery are
 * checked record by record.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TopicLogIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private Vertx vertx;
  private final List<TopicLog> logs = new ArrayList<>();
  private final List<KafkaProducer<String, String>> producers = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (TopicLog log : logs) {
      log.stop().await(20, TimeUnit.SECONDS);
    }
    producers.forEach(p -> p.close(Duration.ofSeconds(5)));
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  /** What a handler saw, and on which contexts. */
  private static final class Seen implements TopicLog.RecordHandler {
    final List<String> values = new CopyOnWriteArrayList<>();
    final Set<Context> contexts = ConcurrentHashMap.newKeySet();
    final AtomicInteger batches = new AtomicInteger();

    @Override
    public void handle(KafkaConsumerRecord<String, Buffer> record) {
      contexts.add(Vertx.currentContext());
      values.add(record.value().toString(StandardCharsets.UTF_8));
    }

    @Override
    public void batchDone() {
      batches.incrementAndGet();
    }

    /** Per key, the sequence numbers in the order they were handled. */
    Map<String, List<Integer>> perKey() {
      Map<String, List<Integer>> out = new HashMap<>();
      for (String v : values) {
        String[] kv = v.split(":");
        out.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(Integer.parseInt(kv[1]));
      }
      return out;
    }
  }

  private TopicLog start(TopicLog.Builder builder) throws Exception {
    TopicLog log = builder.build();
    logs.add(log);
    log.start().await(30, TimeUnit.SECONDS);
    return log;
  }

  private KafkaProducer<String, String> producer(String bootstrap) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("acks", "all");
    props.put("linger.ms", "1");
    KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    producers.add(producer);
    return producer;
  }

  private static void send(KafkaProducer<String, String> producer, ProducerRecord<String, String> record) {
    try {
      producer.send(record).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("cannot write to " + record.topic(), e);
    }
  }

  private static void write(KafkaProducer<String, String> producer, String topic, int from, int to) {
    for (int i = from; i < to; i++) {
      String key = "k" + (i % 6);
      producer.send(new ProducerRecord<>(topic, key, key + ":" + i));
    }
    producer.flush();
  }

  /**
   * Creates the topic and waits until every partition has a leader: a first produce to a partition
   * without one is answered NOT_LEADER_OR_FOLLOWER, after which the idempotent producer was seen stuck
   * on OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout, losing the records the test counts.
   */
  private static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
      awaitLeaders(admin, topic, partitions);
    }
  }

  private static void awaitLeaders(Admin admin, String topic, int partitions) {
    dev.rtvoice.common.testing.Eventually.await(topic + " has a leader for each of its " + partitions + " partitions",
        () -> {
          try {
            var description = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            return description != null && description.partitions().size() == partitions
                && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
          } catch (Exception e) {
            return false;
          }
        }, java.time.Duration.ofSeconds(30));
  }

  private static Admin admin(String bootstrap) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    return Admin.create(props);
  }

  private static void assertOrderedPerKey(Seen seen) {
    seen.perKey().values().forEach(seqs -> assertThat(seqs).isSorted().doesNotHaveDuplicates());
  }

  @Test
  void readToEndCoversWhatWasWrittenBeforeTheCallAndThenFollows(TestKafka kafka) throws Exception {
    String topic = kafka.topicPrefix() + "log.basic";
    createTopic(kafka.bootstrapServers(), topic, 3);
    KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
    write(producer, topic, 0, 300);

    Seen seen = new Seen();
    TopicLog log = start(TopicLog.builder(vertx, kafka.settings("it"), topic).handler(seen));
    log.readToEnd().await(30, TimeUnit.SECONDS);
    // nothing else was written: caught up means exactly these, each once
    assertThat(seen.values).hasSize(300);
    assertThat(log.partitions()).hasSize(3);

    write(producer, topic, 300, 450);
    log.readToEnd().await(30, TimeUnit.SECONDS);
    assertThat(seen.values).hasSize(450);
    assertOrderedPerKey(seen);
    // one context, the one that started the log, an event loop
    assertThat(seen.contexts).hasSize(1);
    assertThat(seen.contexts.iterator().next().isEventLoopContext()).isTrue();
    assertThat(seen.batches.get()).isPositive();

    // followed without being asked
    write(producer, topic, 450, 460);
    await("records written after the last readToEnd", () -> seen.values.size() == 460, WAIT);

    // an idle log at its end answers at once; calls queued together complete together
    Future.all(log.readToEnd(), log.readToEnd(), log.readToEnd()).await(30, TimeUnit.SECONDS);
    assertThat(seen.values).hasSize(460);
    assertThat(log.lastFailure()).isNull();
  }

  @Test
  void emptyTopicIsAtItsEndAndAStoppedLogRefusesToWait(TestKafka kafka) throws Exception {
    String topic = kafka.topicPrefix() + "log.empty";
    createTopic(kafka.bootstrapServers(), topic, 3);
    TopicLog notStarted = TopicLog.builder(vertx, kafka.settings("it"), topic).handler(r -> { }).build();
    assertThatThrownBy(() -> notStarted.readToEnd().await(5, TimeUnit.SECONDS)).hasMessageContaining("not started");

    Seen seen = new Seen();
    TopicLog log = start(TopicLog.builder(vertx, kafka.settings("it"), topic).handler(seen));
    log.readToEnd().await(30, TimeUnit.SECONDS);
    assertThat(seen.values).isEmpty();

    log.stop().await(20, TimeUnit.SECONDS);
    assertThatThrownBy(() -> log.readToEnd().await(5, TimeUnit.SECONDS)).hasMessageContaining("stopped");
  }

  @Test
  void aTopicThatNeverAppearsFailsTheStartWithItsName(TestKafka kafka) {
    String topic = kafka.topicPrefix() + "log.absent";
    TopicLog log = TopicLog.builder(vertx, kafka.settings("it"), topic).handler(r -> { })
        .startTimeout(Duration.ofSeconds(1)).build();
    logs.add(log);
    assertThatThrownBy(() -> log.start().await(30, TimeUnit.SECONDS))
        .hasMessageContaining(topic).hasMessageContaining("no partitions");
  }

  @Test
  void catchesUpWhileWritersKeepWriting(TestKafka kafka) throws Exception {
    String topic = kafka.topicPrefix() + "log.busy";
    createTopic(kafka.bootstrapServers(), topic, 3);
    KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
    write(producer, topic, 0, 2_000);

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger(2_000);
    // about 2,000 records a second, at most 30,000: a steady writer, not a flood the test must outrun
    Thread writer = new Thread(() -> {
      while (writing.get() && written.get() < 30_000) {
        for (int n = 0; n < 20; n++) {
          int i = written.getAndIncrement();
          String key = "k" + (i % 6);
          String value = key + ":" + i;
          producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
            if (e == null) {
              acknowledged.add(value);
            }
          });
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "writer");
    writer.start();

    Seen seen = new Seen();
    try {
      TopicLog log = start(TopicLog.builder(vertx, kafka.settings("it"), topic).handler(seen).maxPollRecords(200));
      for (int round = 0; round < 5; round++) {
        // every write the broker acknowledged before the call is handled once the call completes
        Set<String> before = Set.copyOf(acknowledged);
        log.readToEnd().await(30, TimeUnit.SECONDS);
        assertThat(Set.copyOf(seen.values)).containsAll(before);
      }
      writing.set(false);
      writer.join(10_000);
      producer.flush();
      log.readToEnd().await(30, TimeUnit.SECONDS);
    } finally {
      writing.set(false);
      writer.join(10_000);
    }

    assertThat(seen.values).hasSize(written.get()).doesNotHaveDuplicates();
    assertOrderedPerKey(seen);
  }

  @Test
  void readsPartitionsAddedLater(TestKafka kafka) throws Exception {
    String topic = kafka.topicPrefix() + "log.grows";
    createTopic(kafka.bootstrapServers(), topic, 1);
    KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
    send(producer, new ProducerRecord<>(topic, 0, "a", "a:0"));

    // readToEnd looks for new partitions itself: no periodic check within this test
    Seen seen = new Seen();
    TopicLog log = start(TopicLog.builder(vertx, kafka.settings("it"), topic).handler(seen)
        .partitionCheck(Duration.ofHours(1)));
    log.readToEnd().await(30, TimeUnit.SECONDS);
    assertThat(seen.values).containsExactly("a:0");

    try (Admin admin = admin(kafka.bootstrapServers())) {
      admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all().get(30, TimeUnit.SECONDS);
      awaitLeaders(admin, topic, 3);
    }
    // a send to a partition the producer does not know yet waits for its metadata to show it
    send(producer, new ProducerRecord<>(topic, 2, "c", "c:0"));
    send(producer, new ProducerRecord<>(topic, 1, "b", "b:0"));
    log.readToEnd().await(30, TimeUnit.SECONDS);
    assertThat(seen.values).containsExactlyInAnyOrder("a:0", "b:0", "c:0");
    assertThat(log.partitions()).hasSize(3);
  }

  @Test
  void aFollowingLogPicksUpNewPartitionsOnItsOwn(TestKafka kafka) throws Exception {
    String topic = kafka.topicPrefix() + "log.grows2";
    createTopic(kafka.bootstrapServers(), topic, 1);
    KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
    Seen seen = new Seen();
    TopicLog log = start(TopicLog.builder(vertx, kafka.settings("it"), topic).handler(seen)
        .partitionCheck(Duration.ofMillis(200)));

    try (Admin admin = admin(kafka.bootstrapServers())) {
      admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get(30, TimeUnit.SECONDS);
      awaitLeaders(admin, topic, 2);
    }
    // written to the new partition before the log noticed it: read from its beginning all the same
    send(producer, new ProducerRecord<>(topic, 1, "n", "n:0"));
    await("the new partition's record", () -> seen.values.contains("n:0"), WAIT);
    assertThat(log.partitions()).hasSize(2);
  }

  @Test
  void startsAtATimestampAndReadsEmptyPartitionsFromTheirEnd(TestKafka kafka) throws Exception {
    String topic = kafka.topicPrefix() + "log.time";
    createTopic(kafka.bootstrapServers(), topic, 2);
    KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
    long now = System.currentTimeMillis();
    long hourAgo = now - 3_600_000;
    send(producer, new ProducerRecord<>(topic, 0, hourAgo, "a", "a:0"));
    send(producer, new ProducerRecord<>(topic, 0, now - 1_000, "a", "a:1"));
    send(producer, new ProducerRecord<>(topic, 1, hourAgo, "b", "b:0"));

    Seen seen = new Seen();
    TopicLog log = start(TopicLog.builder(vertx, kafka.settings("it"), topic).handler(seen)
        .fromTimestamp(now - 60_000));
    log.readToEnd().await(30, TimeUnit.SECONDS);
    // partition 1 holds nothing that recent: it is read from its end
    assertThat(seen.values).containsExactly("a:1");

    send(producer, new ProducerRecord<>(topic, 1, "b", "b:1"));
    log.readToEnd().await(30, TimeUnit.SECONDS);
    assertThat(seen.values).containsExactly("a:1", "b:1");
  }

  @Test
  void aRecordItsHandlerRefusesIsCountedAndSkipped(TestKafka kafka) throws Exception {
    String topic = kafka.topicPrefix() + "log.poison";
    createTopic(kafka.bootstrapServers(), topic, 1);
    KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
    send(producer, new ProducerRecord<>(topic, "k", "k:0"));
    send(producer, new ProducerRecord<>(topic, "k", "poison"));
    send(producer, new ProducerRecord<>(topic, "k", "k:2"));

    List<String> handled = new CopyOnWriteArrayList<>();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TopicLog log = start(TopicLog.builder(vertx, kafka.settings("it"), topic).metrics(registry).handler(r -> {
      String v = r.value().toString(StandardCharsets.UTF_8);
      if (v.equals("poison")) {
        throw new IllegalArgumentException("not a k:seq record");
      }
      handled.add(v);
    }));
    log.readToEnd().await(30, TimeUnit.SECONDS);
    assertThat(handled).containsExactly("k:0", "k:2");
    assertThat(log.failedRecords()).isEqualTo(1);
    assertThat(registry.get("kafka_log_records_failed_total").tag("topic", topic).counter().count()).isEqualTo(1.0);
  }

  @Test
  void followsAcrossABrokerRestart(@TempDir Path dir) throws Exception {
    String topic = "log.restart";
    ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(dir, 0, 0));
    String bootstrap = broker.bootstrapServers();
    try {
      createTopic(bootstrap, topic, 3);
      KafkaProducer<String, String> before = producer(bootstrap);
      write(before, topic, 0, 200);
      before.close();
      producers.remove(before);

      Seen seen = new Seen();
      TopicLog log = start(TopicLog.builder(vertx, KafkaSettings.of(bootstrap, "it"), topic).handler(seen));
      log.readToEnd().await(30, TimeUnit.SECONDS);
      assertThat(seen.values).hasSize(200);

      broker.close();
      // asked while the broker is away: waits for it rather than failing
      Future<Void> caughtUp = log.readToEnd();
      Thread.sleep(1_000);
      assertThat(caughtUp.isComplete()).isFalse();

      broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(dir, 0, 0));
      assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
      caughtUp.await(60, TimeUnit.SECONDS);
      assertThat(caughtUp.succeeded()).isTrue();

      KafkaProducer<String, String> after = producer(bootstrap);
      write(after, topic, 200, 300);
      log.readToEnd().await(60, TimeUnit.SECONDS);
      assertThat(seen.values).hasSize(300).doesNotHaveDuplicates();
      assertOrderedPerKey(seen);
      await("healthy again", () -> log.lastFailure() == null, WAIT);
    } finally {
      for (TopicLog log : logs) {
        log.stop().await(20, TimeUnit.SECONDS);
      }
      logs.clear();
      producers.forEach(KafkaProducer::close);
      producers.clear();
      broker.close();
    }
  }
}
