package dev.rtvoice.common.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.InvalidEventException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer-group member that runs poll, handle, commit, poll again, on the event loop of the
 * verticle that started it. Offsets move only after the handler's future succeeded, so every
 * record's effect is done before Kafka forgets it; a failed batch is rewound and handled again after
 * a backoff, which is why handlers must be idempotent on {@code event_id}.
 *
 * <p>A record that cannot be decoded goes to {@code <topic>.dlq} with the reason in its headers, is
 * counted, and is committed past: one bad record never stops the consumer. Because the next poll is
 * only issued once the batch is committed, a rebalance (which Kafka runs inside poll) never revokes a
 * partition with uncommitted work.
 */
public final class EventConsumerLoop {
  private static final Logger LOG = LoggerFactory.getLogger(EventConsumerLoop.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
  private static final long MAX_BACKOFF_MS = 5_000;

  /** Applies a batch of decoded events in order; the future completes when their effect is durable. */
  @FunctionalInterface
  public interface BatchHandler {
    Future<Void> handle(List<ConsumedEvent> events);
  }

  private final Vertx vertx;
  private final Context context;
  private final KafkaConsumer<String, Buffer> consumer;
  private final Set<String> topics;
  private final BatchHandler handler;
  private final EventPublisher deadLetters;
  private final Function<Set<TopicPartition>, Future<Void>> onAssigned;
  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter> deadLetterCounters = new ConcurrentHashMap<>();
  private final Promise<Void> stopped = Promise.promise();

  private volatile boolean stopping;
  private boolean started;
  private Future<Void> assignmentReady = Future.succeededFuture();
  private long backoffMs;
  // the batch in hand (polled, not yet committed), kept across its retries: what a stall check reads
  private volatile long unfinishedSinceMs = -1;
  private volatile int unfinishedRecords;
  private volatile String lastFailure;

  private EventConsumerLoop(Builder b) {
    this.vertx = b.vertx;
    // the consumer and this loop share one context: every callback below runs on its event loop
    this.context = b.vertx.getOrCreateContext();
    Map<String, String> config = b.settings.consumerConfig(b.groupId, b.clientName);
    if (b.maxPollRecords > 0) {
      config.put("max.poll.records", Integer.toString(b.maxPollRecords));
    }
    this.consumer = KafkaConsumer.create(b.vertx, config);
    this.topics = Set.copyOf(b.topics);
    this.handler = b.handler;
    this.deadLetters = b.deadLetters;
    this.onAssigned = b.onAssigned;
    this.registry = b.registry;
  }

  public static Builder builder(Vertx vertx, KafkaSettings settings) {
    return new Builder(vertx, settings);
  }

  /** Subscribes and starts the loop; completes once subscribed. Call from the owning verticle. */
  public Future<Void> start() {
    consumer.partitionsAssignedHandler(partitions -> {
      // runs on our context before the poll that triggered it returns its records, so the next
      // batch waits for the restore of these partitions
      LOG.info("assigned {}", partitions);
      // a batch that failed before a rebalance is no longer necessarily ours to finish
      unfinishedSinceMs = -1;
      unfinishedRecords = 0;
      lastFailure = null;
      assignmentReady = onAssigned == null ? Future.succeededFuture() : onAssigned.apply(partitions);
    });
    consumer.partitionsRevokedHandler(partitions -> LOG.info("revoked {}", partitions));
    consumer.exceptionHandler(e -> LOG.warn("consumer error on {}", topics, e));
    return consumer.subscribe(topics).onSuccess(v -> {
      started = true;
      context.runOnContext(x -> pollOnce());
    });
  }

  /** Finishes the batch in hand, commits it, and closes the consumer. */
  public Future<Void> stop() {
    stopping = true;
    if (!started) {
      stopped.tryComplete();
    }
    return stopped.future().eventually(() -> consumer.close());
  }

  /**
   * Since when (epoch ms) the batch in hand has been polled without being committed, across its
   * retries; -1 when there is none (idle, or between batches). A loop that keeps a batch unfinished for
   * long is stalled: records are waiting and none gets through.
   */
  public long unfinishedSinceMs() {
    return unfinishedSinceMs;
  }

  /** Records of the batch in hand (0 when there is none). */
  public int unfinishedRecords() {
    return unfinishedRecords;
  }

  /** Why the batch in hand last failed, or null. */
  public String lastFailure() {
    return lastFailure;
  }

  private void pollOnce() {
    if (stopping) {
      stopped.tryComplete();
      return;
    }
    consumer.poll(POLL_TIMEOUT)
        .compose(records -> {
          if (!records.isEmpty() && unfinishedSinceMs < 0) {
            unfinishedSinceMs = System.currentTimeMillis();
            unfinishedRecords = records.size();
          }
          return assignmentReady.compose(v -> handleBatch(records)).map(v -> records.isEmpty());
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            lastFailure = String.valueOf(ar.cause());
            backoffMs = backoffMs == 0 ? 100 : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            LOG.warn("batch from {} failed, retrying in {} ms", topics, backoffMs, ar.cause());
            vertx.setTimer(backoffMs, t -> context.runOnContext(x -> pollOnce()));
          } else {
            // an empty poll right after a failed batch is not progress: the rewind emptied the fetch
            // buffer, and a broker that is away returns nothing
            if (!ar.result() || lastFailure == null) {
              backoffMs = 0;
              unfinishedSinceMs = -1;
              unfinishedRecords = 0;
              lastFailure = null;
            }
            pollOnce();
          }
        });
  }

  private Future<Void> handleBatch(KafkaConsumerRecords<String, Buffer> records) {
    if (records.isEmpty()) {
      return Future.succeededFuture();
    }
    List<ConsumedEvent> events = new ArrayList<>(records.size());
    List<Future<?>> deadLettered = new ArrayList<>();
    Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, Buffer> record = records.recordAt(i);
      TopicPartition tp = new TopicPartition(record.topic(), record.partition());
      firstOffsets.putIfAbsent(tp, record.offset());
      commits.put(tp, new OffsetAndMetadata(record.offset() + 1, null));
      try {
        EventEnvelope event = EventCodec.decode(record.value());
        events.add(new ConsumedEvent(event, record.key(), record.topic(), record.partition(), record.offset()));
      } catch (InvalidEventException e) {
        deadLettered.add(deadLetter(record, e));
      }
    }
    Future<Void> handled = events.isEmpty() ? Future.succeededFuture() : handler.handle(events);
    deadLettered.add(handled);
    return Future.all(deadLettered)
        .compose(v -> consumer.commit(commits))
        .<Void>mapEmpty()
        .recover(e -> rewind(firstOffsets).compose(v -> Future.failedFuture(e)));
  }

  private Future<Void> deadLetter(KafkaConsumerRecord<String, Buffer> record, InvalidEventException reason) {
    // skipUndecodable (no dead letters here): the topic's own reader dead-letters the record
    boolean skip = deadLetters == null;
    LOG.warn("{} {}-{}@{}: {}", skip ? "skipping undecodable" : "dead-lettering", record.topic(), record.partition(),
        record.offset(), reason.getMessage());
    if (registry != null) {
      deadLetterCounters.computeIfAbsent(record.topic() + "|" + reason.field(), k -> Counter
          .builder(skip ? "kafka_records_skipped_total" : "kafka_records_dead_lettered_total")
          .description(skip ? "Records that could not be decoded and were skipped (their topic's reader dead-letters them)"
              : "Records that could not be decoded and went to the dead-letter topic")
          .tag("topic", record.topic())
          .tag("field", reason.field())
          .register(registry)).increment();
    }
    if (skip) {
      return Future.succeededFuture();
    }
    return DeadLetter.invalid(record.topic(), record.partition(), record.offset(), reason)
        .publish(deadLetters, record.key(), record.value())
        .mapEmpty();
  }

  /** Points the consumer back at the first record of a failed batch, so it is delivered again. */
  private Future<Void> rewind(Map<TopicPartition, Long> firstOffsets) {
    List<Future<Void>> seeks = new ArrayList<>();
    firstOffsets.forEach((tp, offset) -> seeks.add(consumer.seek(tp, offset)));
    return Future.join(seeks).mapEmpty();
  }

  public static final class Builder {
    private final Vertx vertx;
    private final KafkaSettings settings;
    private String groupId;
    private String clientName = "consumer";
    private Set<String> topics = Set.of();
    private BatchHandler handler;
    private EventPublisher deadLetters;
    private boolean skipUndecodable;
    private Function<Set<TopicPartition>, Future<Void>> onAssigned;
    private MeterRegistry registry;
    private int maxPollRecords;

    private Builder(Vertx vertx, KafkaSettings settings) {
      this.vertx = vertx;
      this.settings = settings;
    }

    public Builder group(String groupId) {
      this.groupId = groupId;
      return this;
    }

    public Builder clientName(String clientName) {
      this.clientName = clientName;
      return this;
    }

    public Builder topics(Set<String> topics) {
      this.topics = topics;
      return this;
    }

    public Builder handler(BatchHandler handler) {
      this.handler = handler;
      return this;
    }

    /** Where records that cannot be decoded are written ({@code <topic>.dlq}). */
    public Builder deadLetters(EventPublisher deadLetters) {
      this.deadLetters = deadLetters;
      return this;
    }

    /**
     * Instead of dead letters: a record that cannot be decoded is logged, counted and skipped. For a
     * group that reads another's topic only in part, where the topic's own reader dead-letters it
     * (one dead letter per bad record, and no write access to that reader's dead-letter topic).
     */
    public Builder skipUndecodable() {
      this.skipUndecodable = true;
      return this;
    }

    /** Runs before any record of newly assigned partitions is handled (state restore). */
    public Builder onAssigned(Function<Set<TopicPartition>, Future<Void>> onAssigned) {
      this.onAssigned = onAssigned;
      return this;
    }

    /**
     * The batch size bound (default 500). A handler whose cost is mostly per batch (one round of
     * acknowledged writes and a commit) goes faster with larger batches.
     */
    public Builder maxPollRecords(int maxPollRecords) {
      if (maxPollRecords < 1) {
        throw new IllegalArgumentException("maxPollRecords must be positive");
      }
      this.maxPollRecords = maxPollRecords;
      return this;
    }

    public Builder metrics(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    public EventConsumerLoop build() {
      if (groupId == null || topics.isEmpty() || handler == null || (deadLetters == null) == !skipUndecodable) {
        throw new IllegalStateException("group, topics, handler and one of deadLetters or skipUndecodable are required");
      }
      return new EventConsumerLoop(this);
    }
  }
}
