package dev.rtvoice.metrics.ingest;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.Rejection;
import dev.rtvoice.metrics.kafka.LatencyBatchEvents;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The default ingest path ({@code TELEMETRY_INGEST=kafka}): a batch's accepted samples go to
 * {@code realtime.latency.samples} as {@code latency.batch} events keyed by session (one per chunk of
 * 250 batch positions), carrying the client's idempotency key; the answer waits for their
 * acknowledgements. The consumer group folds them into the windows of whichever instance owns the
 * partition and counts only the first copy of a key, so a retried batch is counted once, whichever
 * instance took each attempt.
 */
public final class KafkaSampleSink implements SampleSink {
  private final EventPublisher publisher;
  private final String topic;
  private final String source;

  public KafkaSampleSink(EventPublisher publisher, String topic, String source) {
    this.publisher = publisher;
    this.topic = topic;
    this.source = source;
  }

  @Override
  public Future<List<Rejection>> accept(String sessionId, String batchId, List<LatencySample> samples, int[] indexes,
                                        long nowMs) {
    if (samples.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<LatencyBatchEvents.Positioned> positioned = new ArrayList<>(samples.size());
    for (int i = 0; i < samples.size(); i++) {
      positioned.add(new LatencyBatchEvents.Positioned(indexes[i], samples.get(i)));
    }
    List<EventEnvelope> events =
        LatencyBatchEvents.events(sessionId, batchId, positioned, Instant.ofEpochMilli(nowMs), source);
    List<Future<?>> acks = new ArrayList<>(events.size());
    for (EventEnvelope event : events) {
      acks.add(publisher.publish(topic, event));
    }
    return Future.all(acks).map(v -> List.<Rejection>of());
  }
}
