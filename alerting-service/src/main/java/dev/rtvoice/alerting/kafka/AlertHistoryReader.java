package dev.rtvoice.alerting.kafka;

import dev.rtvoice.alerting.domain.RestoredAlert;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.kafka.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code realtime.alerts} from its beginning up to its end at the time of the call and keeps,
 * per fingerprint, the last event: the alerts whose last event is {@code alert.firing} were firing
 * when the service stopped. Same fingerprint, same key, same partition: the order is Kafka's.
 */
public final class AlertHistoryReader {
  private static final Logger LOG = LoggerFactory.getLogger(AlertHistoryReader.class);

  private final Vertx vertx;
  private final KafkaSettings settings;
  private final String topic;

  public AlertHistoryReader(Vertx vertx, KafkaSettings settings, String topic) {
    this.vertx = vertx;
    this.settings = settings;
    this.topic = topic;
  }

  /** The alerts that were firing; call from a verticle's context. */
  public Future<List<RestoredAlert>> firingAlerts() {
    KafkaConsumer<String, Buffer> consumer = KafkaConsumer.create(vertx,
        settings.consumerConfig(settings.clientIdPrefix() + "-restore", "alerts-restore"));
    Map<String, EventEnvelope> last = new LinkedHashMap<>();
    int[] skipped = {0};
    return consumer.partitionsFor(topic)
        .compose(infos -> {
          Set<TopicPartition> partitions = infos.stream()
              .map(i -> new TopicPartition(topic, i.getPartition())).collect(Collectors.toSet());
          return consumer.assign(partitions)
              .compose(v -> consumer.seekToBeginning(partitions))
              .compose(v -> consumer.endOffsets(partitions))
              .compose(ends -> readUntil(consumer, ends, last, skipped));
        })
        .map(v -> {
          List<RestoredAlert> firing = new ArrayList<>();
          for (EventEnvelope e : last.values()) {
            if (AlertEvents.firing(e)) {
              try {
                firing.add(AlertEvents.restored(e));
              } catch (InvalidEventException ex) {
                skipped[0]++;
                LOG.warn("cannot restore alert event {}: {}", e.eventId(), ex.getMessage());
              }
            }
          }
          LOG.info("restored {} firing alert(s) from {} alert event(s) ({} unreadable)", firing.size(), last.size(),
              skipped[0]);
          return firing;
        })
        .eventually(consumer::close);
  }

  private Future<Void> readUntil(KafkaConsumer<String, Buffer> consumer, Map<TopicPartition, Long> ends,
                                 Map<String, EventEnvelope> last, int[] skipped) {
    Promise<Void> done = Promise.promise();
    Map<TopicPartition, Long> remaining = new HashMap<>(ends);
    remaining.values().removeIf(end -> end == 0);
    poll(consumer, remaining, last, skipped, done);
    return done.future();
  }

  private void poll(KafkaConsumer<String, Buffer> consumer, Map<TopicPartition, Long> remaining,
                    Map<String, EventEnvelope> last, int[] skipped, Promise<Void> done) {
    if (remaining.isEmpty()) {
      done.tryComplete();
      return;
    }
    consumer.poll(Duration.ofMillis(200)).compose(records -> {
      apply(records, last, skipped);
      List<Future<Long>> positions = new ArrayList<>();
      List<TopicPartition> order = new ArrayList<>(remaining.keySet());
      for (TopicPartition tp : order) {
        positions.add(consumer.position(tp));
      }
      return Future.all(positions).map(all -> {
        for (int i = 0; i < order.size(); i++) {
          if (positions.get(i).result() >= remaining.get(order.get(i))) {
            remaining.remove(order.get(i));
          }
        }
        return (Void) null;
      });
    }).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(ar.cause());
      } else {
        poll(consumer, remaining, last, skipped, done);
      }
    });
  }

  private static void apply(KafkaConsumerRecords<String, Buffer> records, Map<String, EventEnvelope> last,
                            int[] skipped) {
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, Buffer> record = records.recordAt(i);
      try {
        EventEnvelope event = EventCodec.decode(record.value());
        AlertEvents.firing(event);
        last.put(AlertEvents.fingerprint(event), event);
      } catch (InvalidEventException e) {
        skipped[0]++;
      }
    }
  }
}
