package dev.rtvoice.alerting.kafka;

import dev.rtvoice.alerting.delivery.NotificationLog;
import dev.rtvoice.alerting.delivery.WebhookDispatcher;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.TopicLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.time.Clock;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook notification log on {@code realtime.alerts.notifications}: every instance writes what
 * its receivers took, and follows the topic from its beginning to learn what the others sent.
 * {@link #readToEnd()} tells when everything written before the call was read: the instance taking
 * delivery over waits for it, so it never re-sends what the previous one already delivered.
 * The reading is the common {@link TopicLog}. Call from the delivery verticle's context; records
 * reach the handler on it, in the log's order.
 */
public final class NotificationLogTopic implements NotificationLog {
  private static final Logger LOG = LoggerFactory.getLogger(NotificationLogTopic.class);

  private final Vertx vertx;
  private final KafkaSettings settings;
  private final String topic;
  private final EventPublisher publisher;
  private final Clock clock;
  private final MeterRegistry registry;
  /** Tells this process's records from those of other instances (and of this one before a restart). */
  private final String instance = UUID.randomUUID().toString();
  private final Counter applied;
  private final Counter invalid;
  private TopicLog log;

  public NotificationLogTopic(Vertx vertx, KafkaSettings settings, String topic, Clock clock, MeterRegistry registry) {
    this.vertx = vertx;
    this.settings = settings;
    this.topic = topic;
    this.clock = clock;
    this.registry = registry;
    this.publisher = new EventPublisher(vertx, settings, "notifications", registry);
    this.applied = Counter.builder("alerting_notification_log_records_total").tag("outcome", "applied")
        .description("Records of the shared notification log read: applied (another instance's), invalid")
        .register(registry);
    this.invalid = Counter.builder("alerting_notification_log_records_total").tag("outcome", "invalid")
        .register(registry);
  }

  @Override
  public Future<Void> record(String receiver, WebhookDispatcher.Notified notified) {
    return publisher.publish(topic, NotificationEvents.key(receiver, notified.groupKey()),
            NotificationEvents.toEvent(instance, receiver, notified, clock.instant()))
        .<Void>mapEmpty()
        .recover(e -> {
          // the receiver has it; only a takeover in the next moments could send it again
          LOG.warn("could not record {}'s notification of {} in {}: {}", receiver, notified.groupKey(), topic,
              e.getMessage());
          return Future.succeededFuture();
        });
  }

  /**
   * Reads the log from its beginning and follows it; {@code handler} gets other instances' records.
   * A failed start (Kafka away) may be called again.
   */
  public Future<Void> follow(Consumer<NotificationEvents.Record> handler) {
    TopicLog started = TopicLog.builder(vertx, settings, topic)
        .clientName("notifications")
        .fromBeginning()
        .metrics(registry)
        .handler(record -> handle(record, handler))
        .build();
    log = started;
    return started.start();
  }

  /** Completes once every record written before this call was handed over. */
  public Future<Void> readToEnd() {
    return log == null ? Future.failedFuture("not following " + topic + " yet") : log.readToEnd();
  }

  private void handle(KafkaConsumerRecord<String, Buffer> record, Consumer<NotificationEvents.Record> handler) {
    if (record.value() == null) {
      return; // a tombstone: nothing to learn
    }
    try {
      NotificationEvents.Record r = NotificationEvents.fromEvent(EventCodec.decode(record.value()));
      if (!instance.equals(r.instance())) {
        applied.increment();
        handler.accept(r);
      }
    } catch (InvalidEventException e) {
      invalid.increment();
      LOG.warn("skipping an unreadable record of {}: {}", topic, e.getMessage());
    }
  }

  /** Stops reading; pending writes are flushed by the producer's close. */
  public Future<Void> close() {
    Future<Void> stopped = log == null ? Future.succeededFuture() : log.stop();
    return stopped.eventually(publisher::close);
  }
}
