package dev.rtvoice.common.testing;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.Topics;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What a test gets from {@link KafkaBrokerExtension}: the broker's address, a topic prefix of its
 * own, and blocking helpers to produce raw records and to read what a service wrote, so that tests
 * assert on the real topics.
 */
public final class TestKafka {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final String bootstrapServers;
  private final String prefix;

  private TestKafka(String bootstrapServers, String prefix) {
    this.bootstrapServers = bootstrapServers;
    this.prefix = prefix;
  }

  static TestKafka create(String bootstrapServers) {
    String prefix = "t" + COUNTER.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    return new TestKafka(bootstrapServers, prefix);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** This test's topic names (3 partitions each, so ordering and rebalances are exercised). */
  public Topics topics() {
    return new Topics(prefix, 3, (short) 1, Duration.ofDays(1));
  }

  public String topicPrefix() {
    return prefix;
  }

  public KafkaSettings settings(String clientName) {
    return new KafkaSettings(bootstrapServers, clientName, Duration.ofSeconds(30), 1, Duration.ofSeconds(6), null);
  }

  /** The environment variables a service needs to run against this broker with these topics. */
  public Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
    env.put("KAFKA_TOPIC_PREFIX", prefix);
    env.put("KAFKA_TOPIC_PARTITIONS", "3");
    env.put("KAFKA_SESSION_TIMEOUT", "6s");
    return env;
  }

  public void createTopic(String name, int partitions) {
    try (Admin admin = Admin.create(adminProps())) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot create " + name, e);
    }
    awaitLeaders(name, java.time.Duration.ofSeconds(30));
  }

  /**
   * Waits until the broker's metadata shows a leader for every partition of {@code topic}. A topic
   * just created can still answer a first produce NOT_LEADER_OR_FOLLOWER, after which kafka-clients
   * 3.7's idempotent producer was seen stuck on OUT_OF_ORDER_SEQUENCE until its delivery timeout.
   */
  public void awaitLeaders(String topic, java.time.Duration timeout) {
    try (Admin admin = Admin.create(adminProps())) {
      Eventually.await(topic + " has a leader for every partition", () -> {
        try {
          var description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
          return description != null && description.partitions().stream().allMatch(p -> p.leader() != null
              && !p.leader().isEmpty());
        } catch (Exception e) {
          return false;
        }
      }, timeout);
    }
  }

  /** The broker-side configuration of a topic (cleanup.policy, retention.ms, ...). */
  public Map<String, String> topicConfig(String topic) {
    try (Admin admin = Admin.create(adminProps())) {
      org.apache.kafka.common.config.ConfigResource resource =
          new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC,
              topic);
      Map<String, String> config = new HashMap<>();
      admin.describeConfigs(List.of(resource)).all().get().get(resource).entries()
          .forEach(e -> config.put(e.name(), e.value()));
      return config;
    } catch (Exception e) {
      throw new IllegalStateException("cannot describe " + topic, e);
    }
  }

  public java.util.Set<String> topicNames() {
    try (Admin admin = Admin.create(adminProps())) {
      return admin.listTopics().names().get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public void produceRaw(String topic, String key, byte[] value) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    props.put("acks", "all");
    try (KafkaProducer<String, byte[]> producer =
             new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot produce to " + topic, e);
    }
  }

  public void produce(String topic, EventEnvelope event) {
    produceRaw(topic, event.sessionId(), EventCodec.encode(event).getBytes());
  }

  /** Reads {@code topic} from the beginning until {@code count} records arrived or the timeout passed. */
  public List<ConsumerRecord<String, byte[]>> readRecords(String topic, int count, Duration timeout) {
    return readRecordsUntil(topic, records -> records.size() >= count, timeout);
  }

  /** Reads from the beginning until {@code done} holds for what was read, or the timeout passed. */
  public List<ConsumerRecord<String, byte[]>> readRecordsUntil(
      String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration timeout) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
             new KafkaConsumer<>(readerProps(), new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done.test(records) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
    }
    return records;
  }

  /** The events on {@code topic} (decoded; a record that is not an event fails the test). */
  public List<EventEnvelope> readEvents(String topic, int count, Duration timeout) {
    return readEventsUntil(topic, events -> events.size() >= count, timeout);
  }

  public List<EventEnvelope> readEventsUntil(String topic, Predicate<List<EventEnvelope>> done, Duration timeout) {
    List<EventEnvelope> events = new ArrayList<>();
    int[] decoded = {0};
    readRecordsUntil(topic, records -> {
      for (; decoded[0] < records.size(); decoded[0]++) {
        byte[] value = records.get(decoded[0]).value();
        if (value != null) {
          events.add(EventCodec.decode(Buffer.buffer(value)));
        }
      }
      return done.test(events);
    }, timeout);
    return events;
  }

  private Properties adminProps() {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    return props;
  }

  private Properties readerProps() {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    props.put("enable.auto.commit", "false");
    props.put("auto.offset.reset", "earliest");
    return props;
  }
}
