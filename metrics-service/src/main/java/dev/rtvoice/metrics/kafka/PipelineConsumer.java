package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.SessionEventPayload;
import dev.rtvoice.common.kafka.ConsumedEvent;
import dev.rtvoice.common.kafka.DeadLetter;
import dev.rtvoice.common.kafka.EventConsumerLoop;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.metrics.domain.CounterCatalog;
import dev.rtvoice.metrics.domain.CounterDefinition;
import dev.rtvoice.metrics.domain.IngestKeys;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.RawSample;
import dev.rtvoice.metrics.domain.RecentEventIds;
import dev.rtvoice.metrics.domain.RejectReason;
import dev.rtvoice.metrics.domain.Rejection;
import dev.rtvoice.metrics.domain.SampleValidator;
import dev.rtvoice.metrics.domain.WindowAggregator;
import dev.rtvoice.metrics.prometheus.ServiceMeters;
import dev.rtvoice.metrics.trace.TurnTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer-group member that feeds the windows from Kafka: latency samples from
 * {@code realtime.latency.samples} (the inference stage from session-service, and HTTP samples in
 * {@code TELEMETRY_INGEST=kafka}) and the counters of docs/events.md from
 * {@code realtime.token.events} and {@code realtime.session.events}.
 *
 * <p>A batch's offsets are committed only once a pane holding its effect is on Kafka (the handler's
 * future waits for the flusher). A batch handled again after a failure is not counted twice: the
 * highest offset applied per partition is remembered and older records are skipped. An event whose
 * {@code event_id} was counted recently (a producer's redelivered copy at a new offset) is skipped
 * and counted as a duplicate (see {@link RecentEventIds}). Token and session payloads are read through
 * common's codecs ({@link CountedEvents}). A record whose envelope decodes but whose payload breaks the
 * contract goes to the topic's dead-letter topic with the field and reason (and a log line), like records
 * that do not decode at all; it is not counted, and the consumer goes on.
 *
 * <p>Client telemetry arrives as {@code latency.batch} chunks; only the first copy of a chunk in its
 * partition counts ({@link IngestKeys}), so a batch the client retried (after a timeout, or a 503
 * whose write still went through) is counted once. When the group gives this member partitions, it
 * first rebuilds their recent keys from the log ({@link BatchKeyRestore}), so that holds across a
 * restart and when partitions move between instances.
 *
 * <p>Every sample and event carries its {@code recorded_at}, so that data the suite itself delayed
 * (consumer lag, a broker outage) is folded into its closed window rather than dropped (see
 * {@link WindowAggregator}).
 */
public final class PipelineConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineConsumer.class);

  private final EventConsumerLoop loop;
  private final WindowAggregator aggregator;
  private final PaneFlusher flusher;
  private final SampleValidator validator;
  private final EventPublisher deadLetters;
  private final ServiceMeters meters;
  private final Clock clock;
  private final Map<String, Long> applied = new HashMap<>();
  private long evictedReported;
  private final RecentEventIds recentIds;
  private final IngestKeys<UUID> batchKeys;
  private final long keyRetentionMs;
  private final String samplesTopic;
  private final TurnTracing tracing;

  public PipelineConsumer(Vertx vertx, KafkaSettings settings, Topics topics, WindowAggregator aggregator,
                          PaneFlusher flusher, SampleValidator validator, EventPublisher deadLetters,
                          ServiceMeters meters, MeterRegistry registry, Clock clock, int dedupeEventIds,
                          int dedupeBatchKeys, TurnTracing tracing) {
    this.tracing = tracing;
    this.recentIds = new RecentEventIds(dedupeEventIds);
    this.batchKeys = new IngestKeys<>(dedupeBatchKeys);
    this.keyRetentionMs = keyRetention(aggregator, settings).toMillis();
    this.samplesTopic = topics.latencySamples();
    String group = topics.prefix() + "metrics-service";
    // the first copy's record may be older than its key's expiry by the edges' clock skew
    BatchKeyRestore restore = new BatchKeyRestore(vertx, settings, group,
        keyRetention(aggregator, settings).plus(aggregator.settings().maxClockSkew()));
    this.aggregator = aggregator;
    this.flusher = flusher;
    this.validator = validator;
    this.deadLetters = deadLetters;
    this.meters = meters;
    this.clock = clock;
    this.loop = EventConsumerLoop.builder(vertx, settings)
        .group(group)
        .clientName("pipeline")
        .topics(Set.of(topics.latencySamples(), topics.tokenEvents(), topics.sessionEvents()))
        .handler(this::handle)
        .deadLetters(deadLetters)
        .metrics(registry)
        .onAssigned(partitions -> restoreKeys(restore, partitions))
        .build();
  }

  /**
   * How long after a chunk's newest sample a copy of it can still reach the log: a sample is
   * accepted up to the allowed lateness after it happened, the edges' clocks may differ by the
   * allowed skew, and a write may reach the broker up to the delivery timeout after it was recorded.
   */
  public static Duration keyRetention(WindowAggregator aggregator, KafkaSettings settings) {
    return aggregator.settings().allowedLateness().plus(aggregator.settings().maxClockSkew())
        .plus(settings.deliveryTimeout());
  }

  private Future<Void> restoreKeys(BatchKeyRestore restore, Set<TopicPartition> partitions) {
    Set<Integer> samples = new HashSet<>();
    for (TopicPartition tp : partitions) {
      if (tp.getTopic().equals(samplesTopic)) {
        samples.add(tp.getPartition());
      }
    }
    return restore.read(samplesTopic, samples).map(seen -> {
      for (BatchKeyRestore.Seen copy : seen) {
        batchKeys.remember(copy.partition(), copy.key(), copy.offset(), copy.recordedAtMs(),
            copy.occurredAtMs() + keyRetentionMs);
      }
      return (Void) null;
    }).recover(e -> {
      // better to count a retried batch twice than to stop counting: say so loudly
      LOG.error("could not rebuild the telemetry batch keys of {}; retries of batches taken before are not "
          + "recognized as such: {}", partitions, e.toString());
      return Future.succeededFuture();
    });
  }

  /** Batch keys remembered (for the memory bound). */
  public int batchKeys() {
    return batchKeys.size();
  }

  public Future<Void> start() {
    return loop.start();
  }

  public Future<Void> stop() {
    return loop.stop();
  }

  Future<Void> handle(List<ConsumedEvent> events) {
    long now = clock.millis();
    boolean recorded = false;
    List<Future<?>> deadLettered = new ArrayList<>();
    for (ConsumedEvent consumed : events) {
      String partitionKey = consumed.topic() + '/' + consumed.partition();
      Long last = applied.get(partitionKey);
      if (last != null && consumed.offset() <= last) {
        continue; // applied before a failed commit: its effect is already in the windows
      }
      applied.put(partitionKey, consumed.offset());
      EventEnvelope event = consumed.event();
      try {
        if (event.type() == EventType.LATENCY_BATCH) {
          recorded |= applyBatch(consumed, now, deadLettered);
          continue;
        }
        if (!recentIds.firstSighting(event.eventId())) {
          meters.duplicateEvent(consumed.topic());
          continue;
        }
        if (event.type() == EventType.LATENCY_SAMPLE) {
          recorded |= applySample(consumed, now, deadLettered);
        } else {
          recorded |= applyEvent(consumed, now, deadLettered);
        }
      } catch (ArithmeticException e) {
        // an instant beyond epoch milliseconds: it would fail every retry of the batch
        deadLettered.add(deadLetter(consumed, "occurred_at", "out of range"));
      }
    }
    if (aggregator.immediatePending()) {
      flusher.immediate();
    }
    meters.dedupeEvicted(batchKeys.evicted() - evictedReported);
    evictedReported = batchKeys.evicted();
    Future<Void> durable = recorded ? flusher.durable() : Future.succeededFuture();
    if (deadLettered.isEmpty()) {
      return durable;
    }
    deadLettered.add(durable);
    return Future.all(deadLettered).mapEmpty();
  }

  /** One chunk of a client batch: counted if it is the first copy of its key in the partition. */
  private boolean applyBatch(ConsumedEvent consumed, long now, List<Future<?>> deadLettered) {
    EventEnvelope event = consumed.event();
    LatencyBatchEvents.Chunk chunk;
    try {
      chunk = LatencyBatchEvents.read(event);
    } catch (InvalidEventException e) {
      meters.pipelineSampleRejected(RejectReason.NOT_AN_OBJECT.code());
      deadLettered.add(deadLetter(consumed, e.field(), e.reason()));
      return false;
    }
    long recordedAt = event.recordedAt().toEpochMilli();
    IngestKeys.Verdict verdict = batchKeys.admit(consumed.partition(), event.eventId(), consumed.offset(),
        recordedAt, event.occurredAt().toEpochMilli() + keyRetentionMs);
    if (verdict == IngestKeys.Verdict.DUPLICATE) {
      meters.duplicateBatchSamples(chunk.samples().size());
      return false;
    }
    boolean recorded = false;
    int invalid = chunk.malformed();
    for (RawSample raw : chunk.samples()) {
      // written by this service after validation; checked again, since a topic is not a trust boundary
      SampleValidator.Checked checked =
          validator.check(0, raw, SampleValidator.Source.PIPELINE, null, now, Long.MIN_VALUE);
      if (checked.accepted()) {
        record(checked.sample(), recordedAt, now);
        recorded = true;
      } else {
        invalid++;
      }
    }
    if (invalid > 0) {
      LOG.warn("{} samples of batch chunk {}-{}@{} broke the contract, skipped", invalid, consumed.topic(),
          consumed.partition(), consumed.offset());
      for (int i = 0; i < invalid; i++) {
        meters.pipelineSampleRejected("invalid_batch_sample");
      }
    }
    return recorded;
  }

  private void record(LatencySample s, long recordedAt, long now) {
    tracing.sample(s);
    WindowAggregator.Outcome outcome =
        aggregator.recordLatency(s.stage(), s.platform(), s.valueMs(), s.occurredAtMs(), recordedAt, now);
    switch (outcome) {
      case RECORDED -> meters.recordLatency(s.stage(), aggregator.platformLabel(s.platform()), s.valueMs());
      case FOLDED -> {
        meters.recordLatency(s.stage(), aggregator.platformLabel(s.platform()), s.valueMs());
        meters.lateFolded("latency");
      }
      default -> meters.sampleDropped(s.stage());
    }
  }

  private boolean applySample(ConsumedEvent consumed, long now, List<Future<?>> deadLettered) {
    Object read = LatencySampleEvents.read(consumed.event());
    Rejection rejection;
    if (read instanceof Rejection r) {
      rejection = r;
    } else {
      // lateness is left to the aggregator: a late sample is dropped and counted, not dead-lettered
      SampleValidator.Checked checked =
          validator.check(0, (RawSample) read, SampleValidator.Source.PIPELINE, null, now, Long.MIN_VALUE);
      if (checked.accepted()) {
        record(checked.sample(), consumed.event().recordedAt().toEpochMilli(), now);
        return true; // recorded, or the drop counter moved
      }
      rejection = checked.rejection();
    }
    meters.pipelineSampleRejected(rejection.reason().code());
    deadLettered.add(deadLetter(consumed, fieldOf(rejection.reason()), rejection.message()));
    return false;
  }

  private static String fieldOf(RejectReason reason) {
    return switch (reason) {
      case UNKNOWN_STAGE -> "payload.stage";
      case INVALID_VALUE, OUT_OF_RANGE -> "payload.value_ms";
      case INVALID_TURN -> "payload.turn";
      case INVALID_PLATFORM -> "payload.platform";
      case INVALID_MODEL -> "payload.model";
      case INVALID_SESSION_ID, SESSION_MISMATCH -> "session_id";
      default -> "occurred_at";
    };
  }

  /**
   * A token or session event, read through its codec ({@link CountedEvents}): traced (session events)
   * and counted. One the codec refuses is dead-lettered naming the field, and neither traced nor counted.
   */
  private boolean applyEvent(ConsumedEvent consumed, long now, List<Future<?>> deadLettered) {
    EventEnvelope event = consumed.event();
    CountedEvents.Counted counted;
    try {
      counted = CountedEvents.read(event);
    } catch (InvalidEventException e) {
      deadLettered.add(deadLetter(consumed, e.field(), e.reason()));
      return false;
    }
    if (counted == null) {
      return false;
    }
    if (counted.payload() instanceof SessionEventPayload payload) {
      tracing.sessionEvent(event, payload); // nothing unless turn traces are on
    }
    boolean recorded = false;
    for (CounterDefinition counter : CounterCatalog.forEventType(event.type().wireName())) {
      if (counter.counts(counted.fields())) {
        recorded |= applyCounter(consumed, counter, counted.fields(), now, deadLettered);
      }
    }
    return recorded;
  }

  private boolean applyCounter(ConsumedEvent consumed, CounterDefinition counter, Map<String, Object> fields,
                               long now, List<Future<?>> deadLettered) {
    Map<String, String> labels = counter.labels().isEmpty() ? Map.of() : new LinkedHashMap<>();
    for (String label : counter.labels()) {
      Object value = fields.get(label);
      if (value instanceof String s) {
        labels.put(label, counter.boundedValue(label, CounterCatalog.labelValue(s)));
      } else if (value instanceof Integer || value instanceof Long) {
        labels.put(label, counter.boundedValue(label, value.toString()));
      } else {
        deadLettered.add(deadLetter(consumed, "payload." + label, value == null ? "missing" : "must be a string"));
        return false;
      }
    }
    long eventMs = consumed.event().occurredAt().toEpochMilli();
    long recordedAt = consumed.event().recordedAt().toEpochMilli();
    WindowAggregator.Outcome outcome = aggregator.count(counter.metric(), labels, eventMs, recordedAt, now);
    if (outcome == WindowAggregator.Outcome.RECORDED || outcome == WindowAggregator.Outcome.FOLDED) {
      meters.count(counter, labels);
      if (outcome == WindowAggregator.Outcome.FOLDED) {
        meters.lateFolded("counter");
      }
      return true;
    }
    meters.lateEvent(counter.metric(), outcome == WindowAggregator.Outcome.LATE ? "late" : "in_future");
    return false;
  }

  private Future<?> deadLetter(ConsumedEvent consumed, String field, String reason) {
    LOG.warn("dead-lettering {}-{}@{}: {}", consumed.topic(), consumed.partition(), consumed.offset(), reason);
    return DeadLetter.of(consumed.topic(), consumed.partition(), consumed.offset(), field + ": " + reason)
        .withField(field)
        .publish(deadLetters, consumed.key(), EventCodec.encode(consumed.event()));
  }
}
