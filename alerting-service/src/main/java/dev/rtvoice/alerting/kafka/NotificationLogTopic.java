package dev.rtvoice.alerting.kafka;

import dev.rtvoice.alerting.delivery.NotificationLog;
import dev.rtvoice.alerting.delivery.WebhookDispatcher;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.KafkaSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook notification log on {@code realtime.alerts.notifications}: every instance writes what
 * its receivers took, and follows the topic from its beginning to learn what the others sent.
 * {@link #readToEnd()} tells when everything written before the call was read: the instance taking
 * delivery over waits for it, so it never re-sends what the previous one already delivered.
 * Call from the delivery verticle's context; records reach the handler on it, in the log's order.
 */
public final class NotificationLogTopic implements NotificationLog {
  private static final Logger LOG = LoggerFactory.getLogger(NotificationLogTopic.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

  private record Waiter(Map<TopicPartition, Long> ends, Promise<Void> promise) {}

  private final Vertx vertx;
  private final String topic;
  private final EventPublisher publisher;
  private final KafkaConsumer<String, Buffer> consumer;
  private final Clock clock;
  /** Tells this process's records from those of other instances (and of this one before a restart). */
  private final String instance = UUID.randomUUID().toString();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Counter applied;
  private final Counter invalid;
  private Set<TopicPartition> partitions = Set.of();
  private Consumer<NotificationEvents.Record> handler;
  private boolean stopping;
  private final Promise<Void> stopped = Promise.promise();
  private long backoffMs;

  public NotificationLogTopic(Vertx vertx, KafkaSettings settings, String topic, Clock clock, MeterRegistry registry) {
    this.vertx = vertx;
    this.topic = topic;
    this.clock = clock;
    this.publisher = new EventPublisher(vertx, settings, "notifications", registry);
    this.consumer = KafkaConsumer.create(vertx, settings.readerConfig("notifications"));
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

  /** Reads the log from its beginning and follows it; {@code handler} gets other instances' records. */
  public Future<Void> follow(Consumer<NotificationEvents.Record> handler) {
    this.handler = handler;
    return consumer.partitionsFor(topic).compose(infos -> {
      partitions = infos.stream().map(i -> new TopicPartition(topic, i.getPartition())).collect(Collectors.toSet());
      if (partitions.isEmpty()) {
        return Future.failedFuture("topic " + topic + " has no partitions yet");
      }
      return consumer.assign(partitions).compose(v -> consumer.seekToBeginning(partitions));
    }).onSuccess(v -> vertx.runOnContext(x -> pollOnce()));
  }

  /** Completes once every record written before this call was handed over. */
  public Future<Void> readToEnd() {
    if (partitions.isEmpty()) {
      return Future.failedFuture("not following " + topic + " yet");
    }
    return consumer.endOffsets(partitions).compose(ends -> {
      Waiter w = new Waiter(new HashMap<>(ends), Promise.promise());
      waiters.add(w);
      return w.promise().future();
    });
  }

  private void pollOnce() {
    if (stopping) {
      stopped.tryComplete();
      return;
    }
    consumer.poll(POLL_TIMEOUT).compose(records -> {
      handle(records);
      return checkWaiters();
    }).onComplete(ar -> {
      if (ar.failed()) {
        backoffMs = backoffMs == 0 ? 100 : Math.min(5_000, backoffMs * 2);
        LOG.warn("reading {} failed, retrying in {} ms: {}", topic, backoffMs, ar.cause().getMessage());
        vertx.setTimer(backoffMs, t -> pollOnce());
        return;
      }
      backoffMs = 0;
      pollOnce();
    });
  }

  private void handle(KafkaConsumerRecords<String, Buffer> records) {
    for (int i = 0; i < records.size(); i++) {
      Buffer value = records.recordAt(i).value();
      if (value == null) {
        continue; // a tombstone: nothing to learn
      }
      try {
        NotificationEvents.Record r = NotificationEvents.fromEvent(EventCodec.decode(value));
        if (!instance.equals(r.instance())) {
          applied.increment();
          handler.accept(r);
        }
      } catch (InvalidEventException e) {
        invalid.increment();
        LOG.warn("skipping an unreadable record of {}: {}", topic, e.getMessage());
      }
    }
  }

  private Future<Void> checkWaiters() {
    if (waiters.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<TopicPartition, Future<Long>> positions = new HashMap<>();
    partitions.forEach(tp -> positions.put(tp, consumer.position(tp)));
    return Future.all(new ArrayList<>(positions.values())).map(all -> {
      waiters.removeIf(w -> {
        for (Map.Entry<TopicPartition, Long> end : w.ends().entrySet()) {
          Future<Long> at = positions.get(end.getKey());
          if (at == null || at.result() < end.getValue()) {
            return false;
          }
        }
        w.promise().tryComplete();
        return true;
      });
      return null;
    });
  }

  /** Finishes the poll in hand and closes; pending writes are flushed by the producer's close. */
  public Future<Void> close() {
    stopping = true;
    waiters.forEach(w -> w.promise().tryFail("stopping"));
    waiters.clear();
    Future<Void> polled = handler == null ? Future.succeededFuture()
        : stopped.future().timeout(5, java.util.concurrent.TimeUnit.SECONDS).recover(e -> Future.succeededFuture());
    return polled.eventually(consumer::close).eventually(publisher::close);
  }
}
