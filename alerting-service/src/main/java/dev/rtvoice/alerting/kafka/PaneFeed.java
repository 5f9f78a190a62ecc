package dev.rtvoice.alerting.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.common.metrics.WindowPane;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.consumer.OffsetAndTimestamp;
import io.vertx.kafka.client.producer.KafkaHeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code realtime.metrics.windows}: every partition, because a rule may read metrics of any
 * partition (the key is the metric name), and the windows are rebuilt on each start from the last
 * {@code restoreFrom} of the topic (found with Kafka's time index), not from committed offsets.
 *
 * <p>The feed first replays that history (restoring), tells when it caught up with the end the topic
 * had at start, then follows it live. Committed offsets serve one purpose: records at or after them
 * were never judged, so a record that cannot be decoded is dead-lettered ({@code <topic>.dlq}, with
 * the reason) only then, never twice across restarts.
 */
public final class PaneFeed {
  private static final Logger LOG = LoggerFactory.getLogger(PaneFeed.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final long COMMIT_EVERY_MS = 1_000;

  /** Where panes go; called on the feed's context. */
  public interface Sink {
    void pane(WindowPane pane, long occurredAtMs);

    /** The records of one poll were handed over. */
    void batchDone();
  }

  private final Vertx vertx;
  private final String topic;
  private final KafkaConsumer<String, Buffer> consumer;
  private final EventPublisher deadLetters;
  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
  private final Promise<Void> stopped = Promise.promise();
  private Map<TopicPartition, Long> restoreEnds = new HashMap<>();
  private Sink sink;
  private Runnable caughtUp;
  private volatile boolean stopping;
  private boolean restoring = true;
  private long lastCommit;
  private long backoffMs;

  public PaneFeed(Vertx vertx, KafkaSettings settings, String topic, EventPublisher deadLetters,
                  MeterRegistry registry) {
    this.vertx = vertx;
    this.topic = topic;
    this.deadLetters = deadLetters;
    this.registry = registry;
    this.consumer = KafkaConsumer.create(vertx, settings.consumerConfig(settings.clientIdPrefix() + "-panes", "panes"));
  }

  /**
   * Positions every partition at the first record written at or after {@code restoreFromMs} (wall
   * time, Kafka's record timestamps) and starts reading; {@code caughtUp} runs once the history is
   * replayed. Call from the owning verticle's context.
   */
  public Future<Void> start(long restoreFromMs, Sink sink, Runnable caughtUp) {
    this.sink = sink;
    this.caughtUp = caughtUp;
    consumer.exceptionHandler(e -> {
      if (!stopping) {
        LOG.warn("pane consumer error", e);
      }
    });
    return consumer.partitionsFor(topic).compose(infos -> {
      Set<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.getPartition()))
          .collect(Collectors.toSet());
      if (partitions.isEmpty()) {
        return Future.failedFuture("topic " + topic + " has no partitions yet");
      }
      return consumer.assign(partitions)
          .compose(v -> committedOffsets(partitions))
          .compose(v -> consumer.endOffsets(partitions))
          .compose(ends -> {
            restoreEnds = new HashMap<>(ends);
            Map<TopicPartition, Long> times = new HashMap<>();
            partitions.forEach(tp -> times.put(tp, restoreFromMs));
            return consumer.offsetsForTimes(times);
          })
          .compose(offsets -> {
            List<Future<Void>> seeks = new ArrayList<>();
            for (TopicPartition tp : partitions) {
              OffsetAndTimestamp found = offsets.get(tp);
              long offset = found == null ? restoreEnds.get(tp) : found.getOffset();
              nextOffsets.put(tp, offset);
              seeks.add(consumer.seek(tp, offset));
            }
            long records = partitions.stream().mapToLong(tp -> restoreEnds.get(tp) - nextOffsets.get(tp)).sum();
            LOG.info("replaying {} pane record(s) of {} to rebuild the windows", records, topic);
            return Future.join(seeks).<Void>mapEmpty();
          });
    }).onSuccess(v -> {
      checkCaughtUp();
      vertx.runOnContext(x -> pollOnce());
    });
  }

  private Future<Void> committedOffsets(Set<TopicPartition> partitions) {
    List<Future<Void>> all = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      all.add(consumer.committed(tp).map(c -> {
        committed.put(tp, c == null ? 0L : c.getOffset());
        return null;
      }));
    }
    return Future.all(all).mapEmpty();
  }

  private void pollOnce() {
    if (stopping) {
      stopped.tryComplete();
      return;
    }
    consumer.poll(POLL_TIMEOUT).onComplete(ar -> {
      if (ar.failed()) {
        backoffMs = backoffMs == 0 ? 100 : Math.min(5_000, backoffMs * 2);
        LOG.warn("polling {} failed, retrying in {} ms", topic, backoffMs, ar.cause());
        vertx.setTimer(backoffMs, t -> pollOnce());
        return;
      }
      backoffMs = 0;
      handle(ar.result());
      pollOnce();
    });
  }

  private void handle(KafkaConsumerRecords<String, Buffer> records) {
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, Buffer> record = records.recordAt(i);
      TopicPartition tp = new TopicPartition(record.topic(), record.partition());
      nextOffsets.put(tp, record.offset() + 1);
      try {
        EventEnvelope event = EventCodec.decode(record.value());
        if (event.type() != EventType.METRICS_WINDOW) {
          throw new InvalidEventException("type", "expected " + EventType.METRICS_WINDOW + ", got " + event.type());
        }
        WindowPane pane = WindowPane.fromJson(event.payloadView());
        count("decoded");
        sink.pane(pane, event.occurredAt().toEpochMilli());
      } catch (InvalidEventException e) {
        count("invalid");
        if (record.offset() >= committed.getOrDefault(tp, 0L)) {
          deadLetter(record, e);
        }
      }
    }
    if (!records.isEmpty()) {
      sink.batchDone();
      commitNow(false);
    }
    if (restoring) {
      checkCaughtUp();
    }
  }

  private void checkCaughtUp() {
    for (Map.Entry<TopicPartition, Long> end : restoreEnds.entrySet()) {
      if (nextOffsets.getOrDefault(end.getKey(), 0L) < end.getValue()) {
        return;
      }
    }
    restoring = false;
    LOG.info("windows of {} rebuilt; following it live", topic);
    caughtUp.run();
  }

  private void commitNow(boolean force) {
    long now = System.currentTimeMillis();
    if (!force && now - lastCommit < COMMIT_EVERY_MS) {
      return;
    }
    lastCommit = now;
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    nextOffsets.forEach((tp, next) -> {
      if (next > committed.getOrDefault(tp, 0L)) {
        offsets.put(tp, new OffsetAndMetadata(next, null));
      }
    });
    if (offsets.isEmpty()) {
      return;
    }
    consumer.commit(offsets)
        .onSuccess(v -> offsets.forEach((tp, o) -> committed.merge(tp, o.getOffset(), Math::max)))
        .onFailure(e -> LOG.debug("offset commit of {} failed: {}", topic, e.getMessage()));
  }

  private void deadLetter(KafkaConsumerRecord<String, Buffer> record, InvalidEventException reason) {
    LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason.getMessage());
    counters.computeIfAbsent("dlq|" + reason.field(), k -> Counter.builder("kafka_records_dead_lettered_total")
        .description("Records that could not be decoded and went to the dead-letter topic")
        .tag("topic", record.topic()).tag("field", reason.field())
        .register(registry)).increment();
    List<KafkaHeader> headers = List.of(
        KafkaHeader.header("dlq.reason", reason.getMessage()),
        KafkaHeader.header("dlq.field", reason.field()),
        KafkaHeader.header("dlq.source.topic", record.topic()),
        KafkaHeader.header("dlq.source.partition", Integer.toString(record.partition())),
        KafkaHeader.header("dlq.source.offset", Long.toString(record.offset())));
    deadLetters.publishRaw(Topics.deadLetterOf(record.topic()), record.key(), record.value(), headers)
        .onFailure(e -> LOG.warn("could not dead-letter {}-{}@{}", record.topic(), record.partition(),
            record.offset()));
  }

  private void count(String outcome) {
    counters.computeIfAbsent("r|" + outcome, k -> Counter.builder("alerting_pane_records_total")
        .description("Records read from the windows topic: decoded, or invalid (dead-lettered)")
        .tag("outcome", outcome).register(registry)).increment();
  }

  /** Finishes the poll in hand, commits, closes. */
  public Future<Void> stop() {
    stopping = true;
    if (sink == null) {
      return consumer.close();
    }
    return stopped.future().timeout(5, java.util.concurrent.TimeUnit.SECONDS)
        .eventually(() -> {
          commitNow(true);
          return consumer.close();
        });
  }
}
