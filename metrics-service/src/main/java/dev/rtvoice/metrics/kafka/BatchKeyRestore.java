package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.kafka.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds which telemetry batch keys a partition already holds, before the consumer group member
 * that was just given the partition handles any of it (after a restart, or when a partition moves
 * between instances): it reads the partition from {@code window} before the first record not yet
 * committed up to the current end, and returns every {@code latency.batch} copy it saw with its
 * offset. Nothing is counted here; the caller only remembers the keys, and the earliest copy of a
 * key is the one that counts. Runs on a worker thread with its own short-lived consumer; the cost is
 * one read of the window's records of the assigned partitions.
 */
public final class BatchKeyRestore {
  private static final Logger LOG = LoggerFactory.getLogger(BatchKeyRestore.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration API_TIMEOUT = Duration.ofSeconds(10);

  /** One copy seen. */
  public record Seen(int partition, UUID key, long offset, long recordedAtMs, long occurredAtMs) {}

  private final Vertx vertx;
  private final KafkaSettings settings;
  private final String groupId;
  private final long windowMs;

  public BatchKeyRestore(Vertx vertx, KafkaSettings settings, String groupId, Duration window) {
    this.vertx = vertx;
    this.settings = settings;
    this.groupId = groupId;
    this.windowMs = window.toMillis();
  }

  /** The batch copies of the window of each partition of {@code topic} among {@code partitions}. */
  public Future<List<Seen>> read(String topic, Set<Integer> partitions) {
    if (partitions.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return vertx.executeBlocking(() -> readBlocking(topic, partitions), false);
  }

  private List<Seen> readBlocking(String topic, Set<Integer> partitionNumbers) {
    Properties props = new Properties();
    props.putAll(settings.readerConfig("batch-keys"));
    props.put("group.id", groupId); // only to look up the group's committed offsets; it never joins
    List<Seen> seen = new ArrayList<>();
    try (KafkaConsumer<String, Buffer> consumer = new KafkaConsumer<>(props)) {
      Set<TopicPartition> partitions = new HashSet<>();
      partitionNumbers.forEach(p -> partitions.add(new TopicPartition(topic, p)));
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions, API_TIMEOUT);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, API_TIMEOUT);
      Map<TopicPartition, Long> since = new HashMap<>();
      consumer.assign(partitions);
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata c = committed.get(tp);
        long end = ends.getOrDefault(tp, 0L);
        if (c == null || c.offset() <= 0 || end == 0) {
          continue; // nothing was counted from this partition yet: its log is read in order anyway
        }
        since.put(tp, firstUncommittedTime(consumer, tp, c.offset(), end) - windowMs);
      }
      if (since.isEmpty()) {
        return seen;
      }
      consumer.assign(since.keySet());
      Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(since, API_TIMEOUT);
      Map<TopicPartition, Long> remaining = new HashMap<>();
      for (TopicPartition tp : since.keySet()) {
        OffsetAndTimestamp start = starts.get(tp);
        long end = ends.get(tp);
        if (start != null && start.offset() < end) {
          remaining.put(tp, end);
        }
      }
      consumer.assign(remaining.keySet());
      remaining.forEach((tp, end) -> consumer.seek(tp, starts.get(tp).offset()));
      while (!remaining.isEmpty()) {
        ConsumerRecords<String, Buffer> records = consumer.poll(POLL);
        for (ConsumerRecord<String, Buffer> r : records) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          Long end = remaining.get(tp);
          if (end == null || r.offset() >= end) {
            continue;
          }
          note(r, seen);
          if (r.offset() + 1 >= end) {
            remaining.remove(tp);
          }
        }
      }
    }
    LOG.info("batch keys of partitions {} of {} rebuilt: {} copies in the last {} ms", partitionNumbers, topic,
        seen.size(), windowMs);
    return seen;
  }

  /** The timestamp of the first record not yet committed (the wall clock when there is none yet). */
  private static long firstUncommittedTime(KafkaConsumer<String, Buffer> consumer, TopicPartition tp, long committed,
                                           long end) {
    if (committed >= end) {
      return System.currentTimeMillis();
    }
    consumer.assign(Set.of(tp));
    consumer.seek(tp, committed);
    long deadline = System.nanoTime() + API_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, Buffer> r : consumer.poll(POLL)) {
        return r.timestamp();
      }
    }
    return System.currentTimeMillis();
  }

  private static void note(ConsumerRecord<String, Buffer> record, List<Seen> seen) {
    if (record.value() == null) {
      return;
    }
    try {
      EventEnvelope event = EventCodec.decode(record.value());
      if (event.type() == EventType.LATENCY_BATCH) {
        seen.add(new Seen(record.partition(), event.eventId(), record.offset(),
            event.recordedAt().toEpochMilli(), event.occurredAt().toEpochMilli()));
      }
    } catch (InvalidEventException | ArithmeticException e) {
      // dead-lettered by the consumer when it reaches it; nothing to remember
    }
  }
}
