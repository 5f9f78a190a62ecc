package dev.rtvoice.sessions.owner;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.kafka.ConsumedEvent;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.Topics;
import io.vertx.core.Future;
import io.vertx.kafka.client.producer.KafkaHeader;
import java.util.List;

/**
 * Command records the owner gives up on go to {@code <topic>.dlq}, as the consumer loop does with
 * records it cannot decode: the record as read, with why in {@code dlq.reason} (and its kind in
 * {@code dlq.kind}) and where it came from in {@code dlq.source.*}.
 */
final class DeadLetters {
  /** Not a command this service can read. */
  static final String UNDECODABLE = "undecodable";
  /** The state machine threw on it, or Kafka refused what it produced as invalid. */
  static final String REJECTED = "rejected";
  /** What it produced is larger than a record may be. */
  static final String TOO_LARGE = "too_large";

  private DeadLetters() {}

  static Future<?> write(EventPublisher publisher, Changes.DeadLetter dl) {
    ConsumedEvent bad = dl.record();
    List<KafkaHeader> headers = List.of(
        KafkaHeader.header("dlq.reason", String.valueOf(dl.reason())),
        KafkaHeader.header("dlq.kind", dl.kind()),
        KafkaHeader.header("dlq.source.topic", bad.topic()),
        KafkaHeader.header("dlq.source.partition", Integer.toString(bad.partition())),
        KafkaHeader.header("dlq.source.offset", Long.toString(bad.offset())));
    try {
      return publisher.publishRaw(Topics.deadLetterOf(bad.topic()), bad.key(), EventCodec.encode(bad.event()),
          headers);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
