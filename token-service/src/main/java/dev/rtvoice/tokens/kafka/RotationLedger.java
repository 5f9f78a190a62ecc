package dev.rtvoice.tokens.kafka;

import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.tokens.domain.RotationFamilies;
import dev.rtvoice.tokens.domain.RotationRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import io.vertx.kafka.client.common.PartitionInfo;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rotation ledger ({@code realtime.token.rotations}, key = session id): every instance reads all
 * of it, from the beginning at start (that is the restore) and then as it grows, and applies each
 * record to its {@link RotationFamilies} in log order, so all instances judge a rotation token alike.
 * A rotation is decided by its own record: {@link #append} completes once the record is durable and
 * this instance has applied everything up to it, and then {@link RotationFamilies#won} says whether
 * it was the first rotation from its token in the log.
 *
 * <p>The topic is a plain (delete-policy) log with a retention longer than any rotation token lives,
 * and short segments so old records really go: the restore reads only the last retention's worth,
 * and, unlike compaction, deletion never reorders what a restore sees.
 */
public final class RotationLedger {
  private static final Logger LOG = LoggerFactory.getLogger(RotationLedger.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final long EVICTION_INTERVAL_MS = 5_000;
  private static final long MAX_RETRY_MS = 5_000;

  /** Where and how the ledger topic is created when missing. */
  public record TopicSettings(String name, int partitions, short replicationFactor, Duration retention) {}

  private record Waiter(int partition, long offset, Promise<Void> promise) {}

  private final Vertx vertx;
  private final KafkaSettings settings;
  private final KafkaAdminClient admin;
  private final TopicSettings topic;
  private final DurableWriter writer;
  private final RotationFamilies families;
  private final Clock clock;
  private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();
  private final Promise<Void> restored = Promise.promise();
  private final Promise<Void> stopped = Promise.promise();
  private final AtomicLong invalidRecords = new AtomicLong();
  private KafkaConsumer<String, Buffer> consumer;
  private volatile AtomicLongArray positions = new AtomicLongArray(0);
  private Map<Integer, Long> restoreTargets = Map.of();
  private volatile boolean stopping;
  private boolean polling;
  private long evictionTimer = -1;

  public RotationLedger(Vertx vertx, KafkaSettings settings, KafkaAdminClient admin, TopicSettings topic,
                        DurableWriter writer, RotationFamilies families, Clock clock) {
    this.vertx = vertx;
    this.settings = settings;
    this.admin = admin;
    this.topic = topic;
    this.writer = writer;
    this.families = families;
    this.clock = clock;
  }

  /**
   * Creates the topic when missing (retrying until Kafka answers) and starts following it; call from
   * the owning verticle. Returns at once: {@link #readiness()} turns ready once the restore is done.
   */
  public void start() {
    evictionTimer = vertx.setPeriodic(EVICTION_INTERVAL_MS, t -> {
      int evicted = families.evict(clock.millis());
      if (evicted > 0) {
        LOG.debug("forgot {} expired rotation families, {} tracked", evicted, families.size());
      }
    });
    attemptStart(200);
  }

  private void attemptStart(long nextDelayMs) {
    if (stopping) {
      stopped.tryComplete();
      return;
    }
    ensureTopic().compose(v -> follow()).onComplete(ar -> {
      if (ar.succeeded()) {
        polling = true;
        poll();
      } else {
        LOG.warn("rotation ledger {} not followed yet ({}), retrying in {} ms", topic.name(), ar.cause().toString(),
            nextDelayMs);
        if (consumer != null) {
          consumer.close();
          consumer = null;
        }
        vertx.setTimer(nextDelayMs, t -> attemptStart(Math.min(MAX_RETRY_MS, nextDelayMs * 2)));
      }
    });
  }

  private Future<Void> ensureTopic() {
    return admin.listTopics().compose(existing -> {
      if (existing.contains(topic.name())) {
        return Future.succeededFuture();
      }
      long retentionMs = topic.retention().toMillis();
      Map<String, String> config = new HashMap<>();
      config.put("cleanup.policy", "delete");
      config.put("retention.ms", Long.toString(retentionMs));
      // retention deletes whole segments only: short ones keep the restore to about the retention
      config.put("segment.ms", Long.toString(Math.max(60_000, retentionMs / 4)));
      if (topic.replicationFactor() > 1) {
        config.put("min.insync.replicas", "2");
      }
      LOG.info("creating rotation ledger topic {}", topic.name());
      return admin.createTopics(List.of(new NewTopic(topic.name(), topic.partitions(), topic.replicationFactor())
              .setConfig(config)))
          .recover(e -> isTopicExists(e) ? Future.succeededFuture() : Future.failedFuture(e));
    });
  }

  private Future<Void> follow() {
    consumer = KafkaConsumer.create(vertx, settings.readerConfig("rotation-ledger"));
    consumer.exceptionHandler(e -> LOG.warn("rotation ledger consumer error", e));
    return consumer.partitionsFor(topic.name()).compose(infos -> {
      if (infos.isEmpty()) {
        return Future.failedFuture("no partitions of " + topic.name() + " yet");
      }
      Set<TopicPartition> partitions = infos.stream().map(PartitionInfo::getPartition)
          .map(p -> new TopicPartition(topic.name(), p)).collect(Collectors.toSet());
      return consumer.assign(partitions)
          .compose(v -> consumer.seekToBeginning(partitions))
          .compose(v -> consumer.endOffsets(partitions))
          .compose(ends -> startPositions(partitions).map(starts -> {
            AtomicLongArray next = new AtomicLongArray(partitions.size());
            Map<Integer, Long> targets = new HashMap<>();
            starts.forEach((p, offset) -> next.set(p, offset));
            ends.forEach((tp, end) -> targets.put(tp.getPartition(), end));
            positions = next;
            restoreTargets = targets;
            LOG.info("restoring rotation ledger {} from {} to {}", topic.name(), starts, targets);
            checkRestored();
            return null;
          }));
    });
  }

  /** The first offset each partition will deliver (the log start after seekToBeginning). */
  private Future<Map<Integer, Long>> startPositions(Set<TopicPartition> partitions) {
    Map<Integer, Long> starts = new HashMap<>();
    List<Future<Long>> all = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      all.add(consumer.position(tp).onSuccess(offset -> starts.put(tp.getPartition(), offset)));
    }
    return Future.all(all).map(v -> starts);
  }

  private void poll() {
    if (stopping) {
      stopped.tryComplete();
      return;
    }
    consumer.poll(POLL_TIMEOUT).onComplete(ar -> {
      if (ar.succeeded()) {
        apply(ar.result());
        poll();
      } else {
        LOG.warn("rotation ledger poll failed, retrying in 500 ms: {}", ar.cause().toString());
        vertx.setTimer(500, t -> poll());
      }
    });
  }

  private void apply(KafkaConsumerRecords<String, Buffer> records) {
    if (records.isEmpty()) {
      return;
    }
    AtomicLongArray next = positions;
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, Buffer> record = records.recordAt(i);
      try {
        families.apply(RotationRecordCodec.decode(record.key(), record.value()));
      } catch (IllegalArgumentException e) {
        invalidRecords.incrementAndGet();
        LOG.warn("skipping rotation ledger record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
            e.getMessage());
      }
      if (record.partition() < next.length()) {
        next.set(record.partition(), record.offset() + 1);
      }
    }
    wakeWaiters();
    checkRestored();
  }

  private void checkRestored() {
    if (restored.future().isComplete()) {
      return;
    }
    AtomicLongArray next = positions;
    for (Map.Entry<Integer, Long> target : restoreTargets.entrySet()) {
      if (next.get(target.getKey()) < target.getValue()) {
        return;
      }
    }
    if (next.length() > 0) {
      LOG.info("rotation ledger restored: {} rotation families tracked", families.size());
      restored.tryComplete();
    }
  }

  private void wakeWaiters() {
    for (Waiter w : waiters) {
      if (applied(w)) {
        waiters.remove(w);
        w.promise().tryComplete();
      }
    }
  }

  private boolean applied(Waiter w) {
    AtomicLongArray next = positions;
    return w.partition() < next.length() && next.get(w.partition()) > w.offset();
  }

  /**
   * Writes a record and completes once it is durable and applied here (so {@link RotationFamilies}
   * reflects it and everything before it), or fails after the write deadline.
   */
  public Future<Void> append(RotationRecord record) {
    return writer.write(topic.name(), record.sessionId(), RotationRecordCodec.encode(record))
        .compose(meta -> awaitApplied(meta.getPartition(), meta.getOffset()));
  }

  /**
   * Completes once this instance has applied everything the ledger held when called (or fails after
   * the write deadline, for the end offsets and again for applying up to them). For a judgement that a newer rotation on another instance would change: a
   * replay of the latest answer must not go out when a later generation already exists elsewhere.
   */
  public Future<Void> caughtUp() {
    KafkaConsumer<String, Buffer> reader = consumer;
    int partitions = positions.length();
    if (reader == null || partitions == 0) {
      return Future.failedFuture("the rotation ledger is not being read yet");
    }
    Set<TopicPartition> all = new java.util.HashSet<>();
    for (int p = 0; p < partitions; p++) {
      all.add(new TopicPartition(topic.name(), p));
    }
    // within the write deadline, like every other wait of an answer on Kafka (fail fast, then 503)
    return reader.endOffsets(all).timeout(writer.deadlineMs(), TimeUnit.MILLISECONDS)
        .compose(ends -> Future.all(ends.entrySet().stream()
        .filter(end -> end.getValue() > 0)
        .map(end -> awaitApplied(end.getKey().getPartition(), end.getValue() - 1))
        .toList())).mapEmpty();
  }

  private Future<Void> awaitApplied(int partition, long offset) {
    Waiter w = new Waiter(partition, offset, Promise.promise());
    waiters.add(w);
    // registered before the check, so a batch applied in between cannot be missed
    if (applied(w)) {
      waiters.remove(w);
      w.promise().tryComplete();
    }
    return w.promise().future()
        .timeout(writer.deadlineMs(), TimeUnit.MILLISECONDS)
        .onFailure(e -> waiters.remove(w));
  }

  /** Ready once the ledger has been read up to where it ended at start. */
  public ReadinessCheck readiness() {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return "rotation_ledger";
      }

      @Override
      public Future<Void> check() {
        return restored.future().isComplete() ? Future.succeededFuture()
            : Future.failedFuture("rotation ledger not restored yet");
      }
    };
  }

  public Future<Void> restored() {
    return restored.future();
  }

  public long invalidRecords() {
    return invalidRecords.get();
  }

  public Future<Void> stop() {
    stopping = true;
    if (evictionTimer >= 0) {
      vertx.cancelTimer(evictionTimer);
    }
    if (!polling) {
      stopped.tryComplete();
    }
    return stopped.future().eventually(() -> consumer == null ? Future.succeededFuture() : consumer.close());
  }

  private static boolean isTopicExists(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TopicExistsException) {
        return true;
      }
    }
    return false;
  }
}
