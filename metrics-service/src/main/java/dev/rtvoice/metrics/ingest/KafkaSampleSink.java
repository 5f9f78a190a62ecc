package dev.rtvoice.metrics.ingest;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.Rejection;
import dev.rtvoice.metrics.kafka.LatencySampleEvents;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * DESIGN.md's ingest path ({@code TELEMETRY_INGEST=kafka}): one {@code latency.sample} event per
 * accepted sample on {@code realtime.latency.samples}, keyed by session; the answer waits for every
 * acknowledgement, and the consumer group folds the samples into the windows of whichever instance
 * owns the partition. It keeps the raw samples on Kafka, at the price of one record per sample
 * (see the README for the measured throughput of both paths).
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
  public Future<List<Rejection>> accept(List<LatencySample> samples, int[] indexes, long nowMs) {
    if (samples.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Instant recordedAt = Instant.ofEpochMilli(nowMs);
    List<Future<?>> acks = new ArrayList<>(samples.size());
    for (LatencySample s : samples) {
      EventEnvelope event = EventEnvelope.create(EventType.LATENCY_SAMPLE, s.sessionId(),
          Instant.ofEpochMilli(s.occurredAtMs()), recordedAt, source, LatencySampleEvents.payload(s));
      acks.add(publisher.publish(topic, event));
    }
    return Future.all(acks).map(v -> List.<Rejection>of());
  }
}
