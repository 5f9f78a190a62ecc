package dev.rtvoice.common.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.producer.KafkaHeader;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.kafka.client.producer.RecordMetadata;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes events to Kafka through one idempotent {@code acks=all} producer. The returned future
 * completes when the broker has the record, so a caller that waits for it can promise that what it
 * accepted is durable.
 */
public final class EventPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);

  private final KafkaProducer<String, Buffer> producer;
  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter> failures = new ConcurrentHashMap<>();

  public EventPublisher(Vertx vertx, KafkaSettings settings, String name, MeterRegistry registry) {
    this.producer = KafkaProducer.create(vertx, settings.producerConfig(name));
    // a failed send fails its future, which its caller handles; without a handler of its own the
    // producer would also report each failure as an "Unhandled exception" ERROR of the caller's context
    this.producer.exceptionHandler(e -> LOG.debug("send failed (its caller handles it): {}", e.toString()));
    this.registry = registry;
  }

  /** Publishes keyed by the event's session id (the Kafka contract: key = session_id unless said). */
  public Future<RecordMetadata> publish(String topic, EventEnvelope event) {
    return publish(topic, event.sessionId(), event);
  }

  public Future<RecordMetadata> publish(String topic, String key, EventEnvelope event) {
    Buffer value;
    try {
      value = EventCodec.encode(event);
    } catch (RuntimeException e) {
      countFailure(topic);
      return Future.failedFuture(e);
    }
    return send(KafkaProducerRecord.create(topic, key, value));
  }

  /** A record whose value is not an event: dead letters, tombstones (null value). */
  public Future<RecordMetadata> publishRaw(String topic, String key, Buffer value, List<KafkaHeader> headers) {
    KafkaProducerRecord<String, Buffer> record = KafkaProducerRecord.create(topic, key, value);
    record.addHeaders(headers);
    return send(record);
  }

  private Future<RecordMetadata> send(KafkaProducerRecord<String, Buffer> record) {
    return producer.send(record).onFailure(e -> countFailure(record.topic()));
  }

  private void countFailure(String topic) {
    if (registry != null) {
      failures.computeIfAbsent(topic, t -> Counter.builder("kafka_publish_failures_total")
          .description("Events that could not be written to Kafka")
          .tag("topic", t)
          .register(registry)).increment();
    }
  }

  /** Waits for everything in flight, then closes: nothing accepted is dropped on a graceful stop. */
  public Future<Void> close() {
    return producer.flush().eventually(() -> producer.close());
  }
}
