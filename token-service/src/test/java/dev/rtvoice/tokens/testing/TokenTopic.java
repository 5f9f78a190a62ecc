package dev.rtvoice.tokens.testing;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What {@code token.issued} records a token topic holds, read from its beginning. */
public final class TokenTopic {
  /** Per session: the distinct event ids of its {@code token.issued}, its fingerprints, and how many records. */
  public record Issued(Map<String, Set<String>> eventIds, Map<String, String> fingerprints, int records) {}

  private TokenTopic() {}

  /** Reads until every session in {@code expected} has its {@code token.issued}, or the timeout. */
  public static Issued issued(String bootstrap, String topic, Set<String> expected, Duration timeout) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("enable.auto.commit", "false");
    Map<String, Set<String>> ids = new HashMap<>();
    Map<String, String> fingerprints = new HashMap<>();
    int records = 0;
    try (KafkaConsumer<String, byte[]> consumer =
             new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      long quietUntil = 0;
      while (System.nanoTime() < deadline) {
        var polled = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, byte[]> record : polled) {
          EventEnvelope event = EventCodec.decode(Buffer.buffer(record.value()));
          if (event.type() == EventType.TOKEN_ISSUED) {
            records++;
            ids.computeIfAbsent(event.sessionId(), k -> new HashSet<>()).add(event.eventId().toString());
            fingerprints.put(event.sessionId(), event.payload().getString("secret_fingerprint"));
          }
        }
        if (ids.keySet().containsAll(expected)) {
          // read on a little: a duplicate delivered after the first copy is counted too
          if (quietUntil == 0) {
            quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
          } else if (System.nanoTime() > quietUntil) {
            break;
          }
        }
      }
    }
    return new Issued(ids, fingerprints, records);
  }
}
