package dev.rtvoice.alerting.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.kafka.DeadLetter;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.TopicLog;
import dev.rtvoice.common.metrics.WindowPane;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code realtime.metrics.windows}: every partition, because a rule may read metrics of any
 * partition (the key is the metric name), and the windows are rebuilt on each start from the last
 * {@code restoreFrom} of the topic (found with Kafka's time index), not from committed offsets. The
 * reading itself is the common {@link TopicLog}.
 *
 * <p>The feed first replays that history (restoring), tells when it caught up with the end the topic
 * had at start, then follows it live. Committed offsets serve one purpose: records at or after them
 * were never judged, so a record that cannot be decoded is dead-lettered ({@code <topic>.dlq}, with
 * the reason) only then, never twice across restarts.
 */
public final class PaneFeed {
  private static final Logger LOG = LoggerFactory.getLogger(PaneFeed.class);
  private static final long COMMIT_EVERY_MS = 1_000;

  /** Where panes go; called on the feed's context. */
  public interface Sink {
    void pane(WindowPane pane, long occurredAtMs);

    /** The records of one poll were handed over. */
    void batchDone();
  }

  private final Vertx vertx;
  private final KafkaSettings settings;
  private final String topic;
  private final EventPublisher deadLetters;
  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
  /** Records read before the committed offsets were known: held, so the dead-letter rule can apply. */
  private final List<KafkaConsumerRecord<String, Buffer>> early = new ArrayList<>();
  private Map<TopicPartition, Long> committed;
  private TopicLog log;
  private Sink sink;
  private boolean closing;
  private long lastCommit;

  public PaneFeed(Vertx vertx, KafkaSettings settings, String topic, EventPublisher deadLetters,
                  MeterRegistry registry) {
    this.vertx = vertx;
    this.settings = settings;
    this.topic = topic;
    this.deadLetters = deadLetters;
    this.registry = registry;
  }

  /**
   * Positions every partition at the first record written at or after {@code restoreFromMs} (wall
   * time, Kafka's record timestamps) and starts reading; {@code caughtUp} runs once the history is
   * replayed. Call from the owning verticle's context.
   */
  public Future<Void> start(long restoreFromMs, Sink sink, Runnable caughtUp) {
    this.sink = sink;
    log = TopicLog.builder(vertx, settings, topic)
        .clientName("panes")
        .group(settings.clientIdPrefix() + "-panes")
        .fromTimestamp(Math.max(0, restoreFromMs))
        .metrics(registry)
        .handler(new TopicLog.RecordHandler() {
          @Override
          public void handle(KafkaConsumerRecord<String, Buffer> record) {
            if (committed == null) {
              early.add(record);
            } else {
              read(record);
            }
          }

          @Override
          public void batchDone() {
            if (committed != null) {
              batchRead();
            }
          }
        })
        .build();
    return log.start()
        .compose(v -> log.committed())
        .onSuccess(c -> {
          committed = new HashMap<>(c);
          LOG.info("replaying the panes of {} written since {} to rebuild the windows", topic,
              java.time.Instant.ofEpochMilli(Math.max(0, restoreFromMs)));
          early.forEach(this::read);
          if (!early.isEmpty()) {
            early.clear();
            batchRead();
          }
          log.readToEnd().onSuccess(x -> {
            LOG.info("windows of {} rebuilt; following it live", topic);
            caughtUp.run();
          });
        })
        .mapEmpty();
  }

  private void read(KafkaConsumerRecord<String, Buffer> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    nextOffsets.put(tp, record.offset() + 1);
    try {
      EventEnvelope event = EventCodec.decode(record.value());
      if (event.type() != EventType.METRICS_WINDOW) {
        throw new InvalidEventException("type", "expected " + EventType.METRICS_WINDOW + ", got " + event.type());
      }
      WindowPane pane = WindowPaneCodec.decode(event.payloadView());
      count("decoded");
      sink.pane(pane, event.occurredAt().toEpochMilli());
    } catch (InvalidEventException e) {
      count("invalid");
      if (record.offset() >= committed.getOrDefault(tp, 0L)) {
        deadLetter(record, e);
      }
    }
  }

  private void batchRead() {
    sink.batchDone();
    commitNow(closing);
  }

  private void commitNow(boolean force) {
    long now = System.currentTimeMillis();
    if (committed == null || (!force && now - lastCommit < COMMIT_EVERY_MS)) {
      return;
    }
    lastCommit = now;
    Map<TopicPartition, Long> offsets = new HashMap<>();
    nextOffsets.forEach((tp, next) -> {
      if (next > committed.getOrDefault(tp, 0L)) {
        offsets.put(tp, next);
      }
    });
    if (offsets.isEmpty()) {
      return;
    }
    log.commit(offsets)
        .onSuccess(v -> offsets.forEach((tp, o) -> committed.merge(tp, o, Math::max)))
        .onFailure(e -> LOG.debug("offset commit of {} failed: {}", topic, e.getMessage()));
  }

  private void deadLetter(KafkaConsumerRecord<String, Buffer> record, InvalidEventException reason) {
    LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason.getMessage());
    counters.computeIfAbsent("dlq|" + reason.field(), k -> Counter.builder("kafka_records_dead_lettered_total")
        .description("Records that could not be decoded and went to the dead-letter topic")
        .tag("topic", record.topic()).tag("field", reason.field())
        .register(registry)).increment();
    DeadLetter.invalid(record.topic(), record.partition(), record.offset(), reason)
        .publish(deadLetters, record.key(), record.value())
        .onFailure(e -> LOG.warn("could not dead-letter {}-{}@{}", record.topic(), record.partition(),
            record.offset()));
  }

  private void count(String outcome) {
    counters.computeIfAbsent("r|" + outcome, k -> Counter.builder("alerting_pane_records_total")
        .description("Records read from the windows topic: decoded, or invalid (dead-lettered)")
        .tag("outcome", outcome).register(registry)).increment();
  }

  /** Commits what was read (the poll in hand commits as it finishes), then stops and closes. */
  public Future<Void> stop() {
    closing = true;
    if (log == null) {
      return Future.succeededFuture();
    }
    commitNow(true);
    return log.stop();
  }
}
