package dev.rtvoice.tokens.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.kafka.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.Map;
import java.util.Set;

/**
 * The producer of {@code realtime.token.events}: common's idempotent {@code acks=all} producer
 * settings, with the compression codec of this topic's own choosing. Token events are ~500-byte
 * JSON records that the latency path produces one at a time; with common's lz4, every near-empty
 * batch allocated a fresh 64 KiB compression buffer, half of all the garbage the service made
 * (measured with JFR), which showed up as GC pauses in the issuance p99. Uncompressed is the
 * default; {@code TOKEN_EVENTS_COMPRESSION} picks another codec.
 */
public final class TokenEventProducer {
  public static final Set<String> CODECS = Set.of("none", "gzip", "snappy", "lz4", "zstd");

  private final KafkaProducer<String, Buffer> producer;

  public TokenEventProducer(Vertx vertx, KafkaSettings settings, String compression) {
    Map<String, String> config = settings.producerConfig("token-events");
    config.put("compression.type", compression);
    this.producer = KafkaProducer.create(vertx, config);
  }

  /** Completes when the broker has the record (acks=all); keyed by session id, null when none. */
  public Future<Void> publish(String topic, EventEnvelope event) {
    Buffer value;
    try {
      value = EventCodec.encode(event);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return producer.send(KafkaProducerRecord.create(topic, event.sessionId(), value)).mapEmpty();
  }

  /** Waits for everything in flight, then closes: no accepted event is dropped on a graceful stop. */
  public Future<Void> close() {
    return producer.flush().eventually(() -> producer.close());
  }
}
