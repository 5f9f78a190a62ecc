package dev.rtvoice.sessions.owner;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.kafka.ConsumedEvent;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.DeadLetter;
import io.vertx.core.Future;

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
    try {
      return DeadLetter.of(bad.topic(), bad.partition(), bad.offset(), String.valueOf(dl.reason()))
          .withKind(dl.kind())
          .publish(publisher, bad.key(), EventCodec.encode(bad.event()));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
