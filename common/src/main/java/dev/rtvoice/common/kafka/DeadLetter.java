package dev.rtvoice.common.kafka;

import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.producer.KafkaHeader;
import io.vertx.kafka.client.producer.RecordMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A record given up on, and the one shape of its copy on {@code <topic>.dlq}: the record as read
 * (key and value), why in {@code dlq.reason}, the offending field in {@code dlq.field} and the kind of
 * refusal in {@code dlq.kind} when the writer knows them, and where it came from in
 * {@code dlq.source.topic}, {@code dlq.source.partition}, {@code dlq.source.offset}.
 *
 * @param field null when the reason is not about one field
 * @param kind null when the writer has one kind of refusal only
 */
public record DeadLetter(String sourceTopic, int sourcePartition, long sourceOffset, String reason, String field,
                         String kind) {
  public static final String REASON = "dlq.reason";
  public static final String FIELD = "dlq.field";
  public static final String KIND = "dlq.kind";
  public static final String SOURCE_TOPIC = "dlq.source.topic";
  public static final String SOURCE_PARTITION = "dlq.source.partition";
  public static final String SOURCE_OFFSET = "dlq.source.offset";

  public DeadLetter {
    Objects.requireNonNull(sourceTopic, "sourceTopic");
    reason = String.valueOf(reason);
  }

  /** A record at {@code topic-partition@offset} refused for {@code reason}. */
  public static DeadLetter of(String topic, int partition, long offset, String reason) {
    return new DeadLetter(topic, partition, offset, reason, null, null);
  }

  /** A record that does not satisfy the event contract: the exception names the field. */
  public static DeadLetter invalid(String topic, int partition, long offset, InvalidEventException e) {
    return new DeadLetter(topic, partition, offset, e.getMessage(), e.field(), null);
  }

  public DeadLetter withField(String field) {
    return new DeadLetter(sourceTopic, sourcePartition, sourceOffset, reason, field, kind);
  }

  public DeadLetter withKind(String kind) {
    return new DeadLetter(sourceTopic, sourcePartition, sourceOffset, reason, field, kind);
  }

  /** Where it goes: {@code <source topic>.dlq}. */
  public String topic() {
    return Topics.deadLetterOf(sourceTopic);
  }

  public List<KafkaHeader> headers() {
    List<KafkaHeader> headers = new ArrayList<>(6);
    headers.add(KafkaHeader.header(REASON, reason));
    if (field != null) {
      headers.add(KafkaHeader.header(FIELD, field));
    }
    if (kind != null) {
      headers.add(KafkaHeader.header(KIND, kind));
    }
    headers.add(KafkaHeader.header(SOURCE_TOPIC, sourceTopic));
    headers.add(KafkaHeader.header(SOURCE_PARTITION, Integer.toString(sourcePartition)));
    headers.add(KafkaHeader.header(SOURCE_OFFSET, Long.toString(sourceOffset)));
    return List.copyOf(headers);
  }

  /** Writes {@code key} and {@code value} (the record as read) to {@link #topic()} with {@link #headers()}. */
  public Future<RecordMetadata> publish(EventPublisher publisher, String key, Buffer value) {
    try {
      return publisher.publishRaw(topic(), key, value, headers());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
