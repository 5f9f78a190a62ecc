package dev.rtvoice.common.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.common.PartitionInfo;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.kafka.client.consumer.OffsetAndTimestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic read as a log, the way Kafka Connect reads its own stores: every partition assigned to
 * one consumer outside any group (each instance reads all of them), read from the beginning or from
 * the first record at or after a point in time, then followed for as long as the log runs. A
 * partition added to the topic later is picked up (checked every {@code partitionCheck}, and on every
 * {@link #readToEnd()}) and read by the same start rule.
 *
 * <p>Records reach the handler one at a time, in partition order, on the context that called
 * {@link #start()}; nothing else touches the consumer. {@link #readToEnd()} completes once every
 * partition has been read up to the end offsets taken after the call, so whatever was written before
 * the call has been handled; it is how a reader knows it caught up.
 *
 * <p>One failure policy. A Kafka call that fails with a retriable error (the broker is away, a leader
 * moves, a request times out) is retried after a backoff (100 ms doubling to 5 s) and costs nothing but
 * delay: pending {@code readToEnd} futures stay pending and complete once the end is reached. A
 * deterministic one (authentication, authorization, anything not known to be transient) fails the
 * pending {@code readToEnd} futures with {@link KafkaErrors#explain what an operator must change}, and
 * the log keeps retrying at the slowest pace, so it heals once the ACL or credential is fixed. A record
 * the handler throws on is deterministic too: the same bytes fail again, so it is counted
 * ({@code kafka_log_records_failed_total}), logged with its offset and skipped; it never stops the log.
 * Dead letters, where a reader wants them, go through {@link DeadLetter}.
 */
public final class TopicLog {
  private static final Logger LOG = LoggerFactory.getLogger(TopicLog.class);
  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 5_000;
  private static final long NOT_SCHEDULED = -1;

  /** Handles the records of the log, on its context. */
  @FunctionalInterface
  public interface RecordHandler {
    void handle(KafkaConsumerRecord<String, Buffer> record);

    /** Every record of one poll was handed over (for a reader that acts once per batch). */
    default void batchDone() {}
  }

  /** The end offsets one or more {@code readToEnd} calls wait for. */
  private record CatchUp(Map<TopicPartition, Long> targets, List<Promise<Void>> waiters) {}

  private final Vertx vertx;
  private final String topic;
  private final Map<String, String> config;
  private final KafkaSecurity security;
  private final boolean grouped;
  private final RecordHandler handler;
  private final long startAtMs;
  private final Duration pollTimeout;
  private final long partitionCheckMs;
  private final Duration startTimeout;
  private final Counter failedRecordsCounter;
  private final AtomicLong failedRecords = new AtomicLong();
  private final Promise<Void> stopped = Promise.promise();

  // confined to the log's context
  private Context context;
  private KafkaConsumer<String, Buffer> consumer;
  private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
  private final List<Promise<Void>> requested = new ArrayList<>();
  private final List<CatchUp> catchUps = new ArrayList<>();
  private long nextPartitionCheckMs;
  private long backoffMs;
  private int failures;
  private boolean running;
  private long retryTimer = NOT_SCHEDULED;

  private volatile Set<TopicPartition> partitions = Set.of();
  private volatile boolean stopping;
  private volatile String lastFailure;

  private TopicLog(Builder b) {
    this.vertx = b.vertx;
    this.topic = b.topic;
    this.config = b.groupId == null
        ? b.settings.readerConfig(b.clientName)
        : b.settings.consumerConfig(b.groupId, b.clientName);
    // a request to an absent broker blocks the consumer's thread this long before it is retried
    this.config.putIfAbsent("default.api.timeout.ms", "10000");
    // the periodic partition check reads the consumer's cached metadata: refresh it as often
    this.config.put("metadata.max.age.ms", Long.toString(b.partitionCheck.toMillis()));
    if (b.maxPollRecords > 0) {
      this.config.put("max.poll.records", Integer.toString(b.maxPollRecords));
    }
    this.security = b.settings.security();
    this.grouped = b.groupId != null;
    this.handler = b.handler;
    this.startAtMs = b.startAtMs;
    this.pollTimeout = b.pollTimeout;
    this.partitionCheckMs = b.partitionCheck.toMillis();
    this.startTimeout = b.startTimeout;
    this.failedRecordsCounter = b.registry == null ? null : Counter.builder("kafka_log_records_failed_total")
        .description("Records of a followed topic that its reader could not handle and skipped")
        .tag("topic", b.topic)
        .register(b.registry);
  }

  public static Builder builder(Vertx vertx, KafkaSettings settings, String topic) {
    return new Builder(vertx, settings, topic);
  }

  /**
   * Assigns every partition of the topic, positions each by the start rule and starts following.
   * Completes once positioned (not caught up: see {@link #readToEnd()}). A topic whose partitions
   * are not visible yet, or a retriable failure, is asked again until {@code startTimeout}; a
   * deterministic failure fails at once, explained. Call from the owning verticle's context.
   */
  public Future<Void> start() {
    if (context != null) {
      return Future.failedFuture(new IllegalStateException("topic log of " + topic + " already started"));
    }
    context = vertx.getOrCreateContext();
    Promise<Void> started = Promise.promise();
    // the consumer is created on the log's context, so its callbacks run there
    context.runOnContext(v -> {
      consumer = KafkaConsumer.create(vertx, config);
      consumer.exceptionHandler(e -> LOG.debug("consumer of {}: {}", topic, e.toString()));
      long deadline = System.currentTimeMillis() + startTimeout.toMillis();
      retryUntil(deadline, this::visiblePartitions)
          .compose(found -> retryUntil(deadline, () -> addPartitions(found)))
          .onSuccess(x -> {
            running = true;
            backoffMs = 0;
            nextPartitionCheckMs = System.currentTimeMillis() + partitionCheckMs;
            LOG.info("following {} ({} partitions, from {})", topic, partitions.size(),
                startAtMs < 0 ? "the beginning" : "timestamp " + startAtMs);
            step();
          })
          .onFailure(e -> consumer.close())
          .onComplete(started);
    });
    return started.future();
  }

  /**
   * Completes once every partition has been read up to the end it had after this call: everything
   * written to the topic before the call has been handled. Any thread; fails if the log stops first,
   * or on a deterministic Kafka failure.
   */
  public Future<Void> readToEnd() {
    if (context == null) {
      return Future.failedFuture(new IllegalStateException("topic log of " + topic + " not started"));
    }
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      if (stopping) {
        p.tryFail(stoppedFailure());
      } else {
        requested.add(p);
      }
    });
    return p.future();
  }

  /** Stops after the poll in hand, fails what still waits, closes the consumer. */
  public Future<Void> stop() {
    stopping = true;
    if (context == null) {
      return Future.succeededFuture();
    }
    context.runOnContext(v -> {
      if (retryTimer != NOT_SCHEDULED) {
        vertx.cancelTimer(retryTimer);
        retryTimer = NOT_SCHEDULED;
        finishStop();
      } else if (!running) {
        finishStop();
      }
    });
    return stopped.future().eventually(() -> consumer == null ? Future.succeededFuture() : consumer.close());
  }

  public String topic() {
    return topic;
  }

  /** The partitions read so far (grows when the topic gains partitions). */
  public Set<TopicPartition> partitions() {
    return partitions;
  }

  /** Why the last Kafka call failed, while it keeps failing; null once a call succeeds again. */
  public String lastFailure() {
    return lastFailure;
  }

  /** Records the handler threw on (skipped). */
  public long failedRecords() {
    return failedRecords.get();
  }

  /**
   * The committed offsets of the log's partitions (0 where none), for a log built with a
   * {@link Builder#group group}: what a reader that judges records once (dead letters) remembers across
   * restarts. Call on the log's context.
   */
  public Future<Map<TopicPartition, Long>> committed() {
    if (!grouped) {
      return Future.failedFuture(new IllegalStateException("topic log of " + topic + " has no group"));
    }
    List<TopicPartition> tps = new ArrayList<>(partitions);
    List<Future<OffsetAndMetadata>> asks = new ArrayList<>();
    tps.forEach(tp -> asks.add(consumer.committed(tp)));
    return Future.all(asks).map(all -> {
      Map<TopicPartition, Long> out = new HashMap<>();
      for (int i = 0; i < tps.size(); i++) {
        OffsetAndMetadata c = asks.get(i).result();
        out.put(tps.get(i), c == null ? 0L : c.getOffset());
      }
      return out;
    });
  }

  /** Commits next offsets for the log's group (see {@link #committed()}). Call on the log's context. */
  public Future<Void> commit(Map<TopicPartition, Long> nextOffsetsToCommit) {
    if (!grouped) {
      return Future.failedFuture(new IllegalStateException("topic log of " + topic + " has no group"));
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    nextOffsetsToCommit.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o, null)));
    return consumer.commit(offsets).mapEmpty();
  }

  // ---- the loop: (partitions, end offsets) -> poll -> handle -> progress, on the log's context ----

  private void step() {
    retryTimer = NOT_SCHEDULED;
    if (stopping) {
      finishStop();
      return;
    }
    Future<Void> ready;
    if (!requested.isEmpty()) {
      ready = refreshPartitions(true).compose(v -> snapshotEnds());
    } else if (System.currentTimeMillis() >= nextPartitionCheckMs) {
      ready = refreshPartitions(false);
    } else {
      ready = Future.succeededFuture();
    }
    ready.compose(v -> consumer.poll(pollTimeout))
        .compose(records -> {
          deliver(records);
          return progress(records);
        })
        .onComplete(ar -> {
          if (stopping) {
            finishStop();
          } else if (ar.succeeded()) {
            recovered();
            context.runOnContext(v -> step());
          } else {
            retryTimer = vertx.setTimer(failed(ar.cause()), t -> step());
          }
        });
  }

  /**
   * Takes in partitions added since the last look. {@code fresh} asks the broker now (a metadata
   * request for every topic, as {@code readToEnd} needs); otherwise the consumer's metadata, at most
   * {@code partitionCheck} old, is enough.
   */
  private Future<Void> refreshPartitions(boolean fresh) {
    Future<List<PartitionInfo>> known = fresh
        ? consumer.listTopics().map(all -> all.getOrDefault(topic, List.of()))
        : consumer.partitionsFor(topic);
    return known.compose(infos -> {
      nextPartitionCheckMs = System.currentTimeMillis() + partitionCheckMs;
      Set<TopicPartition> added = new HashSet<>();
      for (PartitionInfo info : infos) {
        TopicPartition tp = new TopicPartition(topic, info.getPartition());
        if (!partitions.contains(tp)) {
          added.add(tp);
        }
      }
      if (added.isEmpty()) {
        return Future.succeededFuture();
      }
      LOG.info("{} has new partitions {}; reading them", topic, added);
      return addPartitions(added);
    });
  }

  /** Takes the partitions into the assignment and positions them by the start rule. */
  private Future<Void> addPartitions(Set<TopicPartition> added) {
    Set<TopicPartition> all = new HashSet<>(partitions);
    all.addAll(added);
    // assign keeps the positions of partitions already held
    return consumer.assign(all)
        .compose(v -> position(added))
        .onSuccess(v -> partitions = Set.copyOf(all));
  }

  private Future<Void> position(Set<TopicPartition> added) {
    if (startAtMs < 0) {
      return consumer.seekToBeginning(added);
    }
    Map<TopicPartition, Long> times = new HashMap<>();
    added.forEach(tp -> times.put(tp, startAtMs));
    return consumer.offsetsForTimes(times).compose(found -> {
      List<Future<Void>> seeks = new ArrayList<>();
      for (TopicPartition tp : added) {
        OffsetAndTimestamp at = found.get(tp);
        // nothing written at or after the start time: only what comes next
        seeks.add(at == null ? consumer.seekToEnd(tp) : consumer.seek(tp, at.getOffset()));
      }
      return Future.all(seeks).mapEmpty();
    });
  }

  /** The end offsets the pending {@code readToEnd} calls wait for, taken now (after their calls). */
  private Future<Void> snapshotEnds() {
    if (requested.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Promise<Void>> taken = new ArrayList<>(requested);
    return consumer.endOffsets(partitions).map(ends -> {
      requested.removeAll(taken);
      catchUps.add(new CatchUp(new HashMap<>(ends), taken));
      return null;
    });
  }

  private void deliver(KafkaConsumerRecords<String, Buffer> records) {
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, Buffer> record = records.recordAt(i);
      nextOffsets.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max);
      try {
        handler.handle(record);
      } catch (RuntimeException e) {
        failedRecords.incrementAndGet();
        if (failedRecordsCounter != null) {
          failedRecordsCounter.increment();
        }
        LOG.warn("skipping {}-{}@{}: its handler failed", record.topic(), record.partition(), record.offset(), e);
      }
    }
    if (!records.isEmpty()) {
      try {
        handler.batchDone();
      } catch (RuntimeException e) {
        LOG.warn("batch handler of {} failed", topic, e);
      }
    }
  }

  /**
   * Completes the catch-ups whose targets are reached. Offsets of records read can stop short of the
   * end (compacted gaps, transaction markers), so a partition still behind is asked for its position.
   */
  private Future<Void> progress(KafkaConsumerRecords<String, Buffer> records) {
    if (catchUps.isEmpty()) {
      return Future.succeededFuture();
    }
    Set<TopicPartition> behind = new HashSet<>();
    for (CatchUp c : catchUps) {
      c.targets().forEach((tp, end) -> {
        if (nextOffsets.getOrDefault(tp, 0L) < end) {
          behind.add(tp);
        }
      });
    }
    List<TopicPartition> asked = new ArrayList<>(behind);
    List<Future<Long>> positions = new ArrayList<>();
    asked.forEach(tp -> positions.add(consumer.position(tp)));
    return Future.all(positions).map(all -> {
      for (int i = 0; i < asked.size(); i++) {
        nextOffsets.merge(asked.get(i), positions.get(i).result(), Math::max);
      }
      completeCatchUps();
      return null;
    });
  }

  private void completeCatchUps() {
    Iterator<CatchUp> it = catchUps.iterator();
    while (it.hasNext()) {
      CatchUp c = it.next();
      boolean reached = c.targets().entrySet().stream()
          .allMatch(t -> nextOffsets.getOrDefault(t.getKey(), 0L) >= t.getValue());
      if (reached) {
        it.remove();
        c.waiters().forEach(Promise::tryComplete);
      }
    }
  }

  // ---- the failure policy ----

  /** Whether waiting cures it: the broker is away or busy, a leader moved, a request timed out. */
  static boolean retriable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof org.apache.kafka.common.errors.RetriableException) {
        return true;
      }
    }
    return false;
  }

  /** Counts a failure of the loop and returns how long to wait before the next step. */
  private long failed(Throwable cause) {
    failures++;
    String explained = KafkaErrors.explain(cause, security);
    lastFailure = explained;
    if (retriable(cause)) {
      backoffMs = backoffMs == 0 ? MIN_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, backoffMs * 2);
      if (failures == 1) {
        LOG.warn("reading {} failed ({}), retrying", topic, explained);
      } else {
        LOG.debug("reading {} failed again ({}), retrying in {} ms", topic, explained, backoffMs);
      }
    } else {
      backoffMs = MAX_BACKOFF_MS;
      LOG.error("reading {} failed: {}; retrying every {} ms", topic, explained, MAX_BACKOFF_MS, cause);
      failWaiters(new IllegalStateException("reading " + topic + " failed: " + explained, cause));
    }
    return backoffMs;
  }

  private void recovered() {
    if (failures > 0) {
      LOG.info("reading {} again after {} failed attempt(s)", topic, failures);
    }
    failures = 0;
    backoffMs = 0;
    lastFailure = null;
  }

  private void failWaiters(Throwable cause) {
    requested.forEach(p -> p.tryFail(cause));
    requested.clear();
    catchUps.forEach(c -> c.waiters().forEach(p -> p.tryFail(cause)));
    catchUps.clear();
  }

  private void finishStop() {
    running = false;
    failWaiters(stoppedFailure());
    stopped.tryComplete();
  }

  private IllegalStateException stoppedFailure() {
    return new IllegalStateException("topic log of " + topic + " stopped");
  }

  /** Start-up steps: retried while retriable (or the topic shows no partitions yet) until the deadline. */
  private <T> Future<T> retryUntil(long deadline, Supplier<Future<T>> attempt) {
    return attempt.get().recover(e -> {
      boolean again = (retriable(e) || e instanceof NoPartitionsYet) && !stopping
          && System.currentTimeMillis() < deadline;
      if (!again) {
        String why = e instanceof NoPartitionsYet ? e.getMessage() : KafkaErrors.explain(e, security);
        return Future.failedFuture(new IllegalStateException("cannot follow " + topic + ": " + why, e));
      }
      Promise<Void> later = Promise.promise();
      vertx.setTimer(200, t -> later.complete());
      return later.future().compose(v -> retryUntil(deadline, attempt));
    });
  }

  /** The topic's partitions once metadata shows some: a topic created a moment ago can show none. */
  private Future<Set<TopicPartition>> visiblePartitions() {
    return consumer.partitionsFor(topic).compose(infos -> {
      if (infos.isEmpty()) {
        return Future.failedFuture(new NoPartitionsYet(topic));
      }
      Set<TopicPartition> found = new HashSet<>();
      infos.forEach(i -> found.add(new TopicPartition(topic, i.getPartition())));
      return Future.succeededFuture(found);
    });
  }

  private static final class NoPartitionsYet extends RuntimeException {
    NoPartitionsYet(String topic) {
      super("topic " + topic + " has no partitions yet", null, false, false);
    }
  }

  public static final class Builder {
    private final Vertx vertx;
    private final KafkaSettings settings;
    private final String topic;
    private String clientName;
    private String groupId;
    private RecordHandler handler;
    private long startAtMs = -1;
    private Duration pollTimeout = Duration.ofMillis(100);
    private Duration partitionCheck = Duration.ofSeconds(30);
    private Duration startTimeout = Duration.ofSeconds(10);
    private int maxPollRecords;
    private MeterRegistry registry;

    private Builder(Vertx vertx, KafkaSettings settings, String topic) {
      this.vertx = vertx;
      this.settings = settings;
      this.topic = topic;
      this.clientName = "log-" + topic;
    }

    /** The consumer's client id suffix (default {@code log-<topic>}). */
    public Builder clientName(String clientName) {
      this.clientName = clientName;
      return this;
    }

    /** Read every partition from its beginning (the default). */
    public Builder fromBeginning() {
      this.startAtMs = -1;
      return this;
    }

    /**
     * Read each partition from its first record whose timestamp is at or after {@code epochMs}
     * (Kafka's time index); a partition with none is read from its end.
     */
    public Builder fromTimestamp(long epochMs) {
      if (epochMs < 0) {
        throw new IllegalArgumentException("timestamp must not be negative");
      }
      this.startAtMs = epochMs;
      return this;
    }

    public Builder handler(RecordHandler handler) {
      this.handler = handler;
      return this;
    }

    /**
     * A consumer group for {@link #committed()} and {@link #commit}: the log still assigns every
     * partition itself and never joins the group.
     */
    public Builder group(String groupId) {
      this.groupId = groupId;
      return this;
    }

    /** How long one poll waits for records (default 100 ms). */
    public Builder pollTimeout(Duration pollTimeout) {
      this.pollTimeout = pollTimeout;
      return this;
    }

    /** How often the topic is asked for partitions added since (default 30 s). */
    public Builder partitionCheck(Duration every) {
      if (every.isNegative() || every.isZero()) {
        throw new IllegalArgumentException("partitionCheck must be positive");
      }
      this.partitionCheck = every;
      return this;
    }

    /** How long {@link #start()} waits for the topic's partitions and for a broker that is away (default 10 s). */
    public Builder startTimeout(Duration startTimeout) {
      this.startTimeout = startTimeout;
      return this;
    }

    /** Records per poll (default that of {@link KafkaSettings#readerConfig}). */
    public Builder maxPollRecords(int maxPollRecords) {
      if (maxPollRecords < 1) {
        throw new IllegalArgumentException("maxPollRecords must be positive");
      }
      this.maxPollRecords = maxPollRecords;
      return this;
    }

    /** Where {@code kafka_log_records_failed_total} is registered (none by default). */
    public Builder metrics(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    public TopicLog build() {
      if (handler == null) {
        throw new IllegalStateException("handler is required");
      }
      return new TopicLog(this);
    }
  }
}
