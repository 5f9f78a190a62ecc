package dev.rtvoice.alerting.kafka;

import dev.rtvoice.alerting.domain.RestoredAlert;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.TopicLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code realtime.alerts} from its beginning up to its end at the time of the call (the common
 * {@link TopicLog}, read to its end and stopped) and keeps, per fingerprint, the last event: the
 * alerts whose last event is {@code alert.firing} were firing when the service stopped. Same
 * fingerprint, same key, same partition: the order is Kafka's.
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
    Map<String, EventEnvelope> last = new LinkedHashMap<>();
    int[] skipped = {0};
    TopicLog log = TopicLog.builder(vertx, settings, topic)
        .clientName("restore")
        .fromBeginning()
        .maxPollRecords(2_000)
        .handler(record -> apply(record, last, skipped))
        .build();
    return log.start()
        .compose(v -> log.readToEnd())
        .map(v -> firing(last, skipped))
        .eventually(log::stop);
  }

  private static List<RestoredAlert> firing(Map<String, EventEnvelope> last, int[] skipped) {
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
  }

  private static void apply(KafkaConsumerRecord<String, Buffer> record, Map<String, EventEnvelope> last,
                            int[] skipped) {
    try {
      EventEnvelope event = EventCodec.decode(record.value());
      AlertEvents.firing(event);
      last.put(AlertEvents.fingerprint(event), event);
    } catch (InvalidEventException e) {
      skipped[0]++;
    }
  }
}
