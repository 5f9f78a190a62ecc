package dev.rtvoice.e2e.harness;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads what the suite wrote to its topics, from the beginning, as any downstream consumer would. */
public final class TopicReader {
  private final String bootstrap;

  public TopicReader(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  public List<String> topics(String prefix) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(p)) {
      return admin.listTopics().names().get().stream().filter(t -> t.startsWith(prefix)).sorted().toList();
    } catch (Exception e) {
      throw new IllegalStateException("cannot list topics: " + e.getMessage(), e);
    }
  }

  /** Every record's value on the topic now (up to the end offsets read at the start). */
  public List<String> readAll(String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    p.put("enable.auto.commit", "false");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() != null) {
            values.add(r.value());
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within 30 s");
        }
      }
    }
    return values;
  }

  /** The JSON events of a topic that match. */
  public List<JsonObject> events(String topic, Predicate<JsonObject> filter) {
    return readAll(topic).stream().map(JsonObject::new).filter(filter).toList();
  }

  /** Waits until at least {@code count} matching events are on the topic. */
  public List<JsonObject> awaitEvents(String topic, Predicate<JsonObject> filter, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<JsonObject> found;
    while ((found = events(topic, filter)).size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + count + " matching events on " + topic + ", found " + found.size()
            + ": " + found);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return found;
  }

  public static Predicate<JsonObject> ofType(String type) {
    return e -> type.equals(e.getString("type"));
  }
}
