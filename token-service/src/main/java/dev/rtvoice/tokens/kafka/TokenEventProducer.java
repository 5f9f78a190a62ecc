package dev.rtvoice.tokens.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.kafka.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.kafka.client.producer.RecordMetadata;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The producer of token-service's topics: common's idempotent {@code acks=all} producer settings,
 * with three changes of its own.
 *
 * <ul>
 *   <li>Compression of this service's choosing. Token events are ~500-byte JSON records that the
 *       latency path produces one at a time; with common's lz4, every near-empty batch allocated a
 *       fresh 64 KiB compression buffer, half of all the garbage the service made (measured with
 *       JFR), which showed up as GC pauses in the issuance p99. Uncompressed is the default;
 *       {@code TOKEN_EVENTS_COMPRESSION} picks another codec.
 *   <li>No linger: every issuance and rotation answer waits for its event to be acknowledged, so a
 *       batching delay would be added to every answer. Batches still form while requests are in flight.
 *   <li>A record that is not acknowledged within the answer's deadline ({@code TOKEN_EVENT_DEADLINE})
 *       is given up by the producer too (delivery, request and metadata timeouts), so a record whose
 *       answer said 503 is, but for an acknowledgement lost on the way back, never written later.
 * </ul>
 */
public final class TokenEventProducer {
  public static final Set<String> CODECS = Set.of("none", "gzip", "snappy", "lz4", "zstd");

  private final KafkaProducer<String, Buffer> producer;

  public TokenEventProducer(Vertx vertx, KafkaSettings settings, String compression, Duration deadline) {
    Map<String, String> config = settings.producerConfig("token-events");
    config.put("compression.type", compression);
    config.put("linger.ms", "0");
    String deadlineMs = Long.toString(Math.max(500, deadline.toMillis()));
    config.put("delivery.timeout.ms", deadlineMs);
    config.put("request.timeout.ms", deadlineMs);
    config.put("max.block.ms", deadlineMs);
    this.producer = KafkaProducer.create(vertx, config);
  }

  /** Completes when the broker has the record (acks=all); keyed by session id, null when none. */
  public Future<RecordMetadata> publish(String topic, EventEnvelope event) {
    Buffer value;
    try {
      value = EventCodec.encode(event);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return write(topic, event.sessionId(), value);
  }

  /** Completes with where the record landed once the broker has it (acks=all). */
  public Future<RecordMetadata> write(String topic, String key, Buffer value) {
    return producer.send(KafkaProducerRecord.create(topic, key, value));
  }

  /** Waits for everything in flight, then closes: no accepted event is dropped on a graceful stop. */
  public Future<Void> close() {
    return producer.flush().eventually(() -> producer.close());
  }
}
