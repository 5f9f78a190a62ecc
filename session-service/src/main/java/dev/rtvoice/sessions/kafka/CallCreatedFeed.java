package dev.rtvoice.sessions.kafka;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.TokenCallCreatedPayload;
import dev.rtvoice.common.event.payload.TokenEventCodecs;
import dev.rtvoice.common.kafka.ConsumedEvent;
import dev.rtvoice.common.kafka.EventConsumerLoop;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.KafkaSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards token-service's {@code token.call_created} to the session's command log as
 * {@code session.call_created}, so that the instance owning the session learns of every call created
 * for it, including calls the client never reports (a hostile or broken client would otherwise hold
 * calls outside the liveness check and the concurrency budget).
 *
 * <p>One consumer group for all instances (each event forwarded once; a crash between the write and the
 * commit forwards it again, with the same command id, which the machine applies as a no-op). Events
 * older than upstream's call cap are skipped: their call has ended. Other token events are skipped, and
 * an undecodable record too: metrics-service, the topic's reader, dead-letters it. Runs on its own
 * event loop; stopping finishes and commits the batch in hand.
 */
public final class CallCreatedFeed extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(CallCreatedFeed.class);

  private final KafkaSettings kafka;
  private final String group;
  private final String tokenEventsTopic;
  private final String commandsTopic;
  private final EventPublisher publisher;
  private final Duration maxCallAge;
  private final Clock clock;
  private final Counter forwarded;
  private final Counter tooOld;
  private final Counter unreadable;
  private final MeterRegistry registry;
  private EventConsumerLoop loop;

  /**
   * @param group the feed's consumer group, shared by the service's instances
   * @param maxCallAge a call created longer ago than this has ended upstream: not forwarded
   */
  public CallCreatedFeed(KafkaSettings kafka, String group, String tokenEventsTopic, String commandsTopic,
                         EventPublisher publisher, Duration maxCallAge, Clock clock, MeterRegistry registry) {
    this.kafka = kafka;
    this.group = group;
    this.tokenEventsTopic = tokenEventsTopic;
    this.commandsTopic = commandsTopic;
    this.publisher = publisher;
    this.maxCallAge = maxCallAge;
    this.clock = clock;
    this.registry = registry;
    String name = "session_call_feed_events_total";
    String help = "token.call_created events read by the forwarder, by outcome";
    this.forwarded = Counter.builder(name).description(help).tag("outcome", "forwarded").register(registry);
    this.tooOld = Counter.builder(name).description(help).tag("outcome", "too_old").register(registry);
    this.unreadable = Counter.builder(name).description(help).tag("outcome", "unreadable").register(registry);
  }

  @Override
  public Future<?> start() {
    loop = EventConsumerLoop.builder(vertx, kafka)
        .group(group)
        .clientName("calls")
        .topics(Set.of(tokenEventsTopic))
        .handler(this::forward)
        .skipUndecodable()
        .metrics(registry)
        .build();
    return loop.start();
  }

  @Override
  public Future<?> stop() {
    return loop == null ? Future.succeededFuture() : loop.stop();
  }

  private Future<Void> forward(List<ConsumedEvent> events) {
    long oldest = clock.millis() - maxCallAge.toMillis();
    List<Future<?>> writes = new ArrayList<>();
    for (ConsumedEvent consumed : events) {
      EventEnvelope event = consumed.event();
      if (event.type() != EventType.TOKEN_CALL_CREATED) {
        continue;
      }
      if (event.recordedAt().toEpochMilli() < oldest) {
        tooOld.increment();
        continue;
      }
      TokenCallCreatedPayload call;
      try {
        call = TokenEventCodecs.decodeCallCreated(event.payloadView());
      } catch (RuntimeException e) {
        // metrics-service dead-letters it; here it is only not forwarded
        LOG.warn("token.call_created {} not forwarded: {}", event.eventId(), e.getMessage());
        unreadable.increment();
        continue;
      }
      // in order per session: one key, one partition, an idempotent producer
      writes.add(publisher.publish(commandsTopic, event.sessionId(), Commands.callCreated(event, call))
          .onSuccess(m -> forwarded.increment()));
    }
    return Future.all(writes).mapEmpty();
  }
}
