package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.LatencyBatchCodec;
import dev.rtvoice.common.event.payload.LatencyBatchPayload;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.RawSample;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The {@code latency.batch} events of docs/events.md (payload: {@link LatencyBatchCodec}): the
 * accepted samples of one client telemetry batch, split by batch position into chunks of {@link #CHUNK} (at most about 53 KB each, under
 * the 64 KiB event limit even with 64-character labels). A chunk holds the samples of fixed
 * positions, so a retry's chunk holds a subset of the same samples as the first attempt's, and its
 * {@code event_id}, derived from session, batch id and chunk, is the same.
 */
public final class LatencyBatchEvents {
  /** Batch positions per chunk. */
  public static final int CHUNK = 250;

  private LatencyBatchEvents() {}

  /** One accepted sample and its position in the client's batch. */
  public record Positioned(int index, LatencySample sample) {}

  /** A decoded chunk. */
  public record Chunk(String batchId, int chunk, List<RawSample> samples, int malformed) {}

  /** The derived event id: every retry of a chunk carries the same. */
  public static UUID eventId(String sessionId, String batchId, int chunk) {
    return UUID.nameUUIDFromBytes(("latency.batch\n" + sessionId + '\n' + batchId + '\n' + chunk)
        .getBytes(StandardCharsets.UTF_8));
  }

  /** The events of one batch's accepted samples (in batch order), one per non-empty chunk. */
  public static List<EventEnvelope> events(String sessionId, String batchId, List<Positioned> accepted,
                                           Instant recordedAt, String source) {
    List<EventEnvelope> events = new ArrayList<>();
    int i = 0;
    while (i < accepted.size()) {
      int chunk = accepted.get(i).index() / CHUNK;
      List<LatencyBatchPayload.Sample> samples = new ArrayList<>();
      long newest = Long.MIN_VALUE;
      while (i < accepted.size() && accepted.get(i).index() / CHUNK == chunk) {
        LatencySample s = accepted.get(i).sample();
        samples.add(new LatencyBatchPayload.Sample(s.stage().wireName(), s.valueMs(), s.turn(), s.occurredAtMs(),
            s.platform(), s.model()));
        newest = Math.max(newest, s.occurredAtMs());
        i++;
      }
      events.add(new EventEnvelope(eventId(sessionId, batchId, chunk), EventType.LATENCY_BATCH,
          EventType.LATENCY_BATCH.currentVersion(), sessionId, Instant.ofEpochMilli(newest), recordedAt, source,
          LatencyBatchCodec.encode(new LatencyBatchPayload(batchId, chunk, samples))));
    }
    return events;
  }

  /**
   * The samples of a chunk, each still to be validated; elements of the wrong shape are counted in
   * {@link Chunk#malformed()}. An {@link InvalidEventException} when the payload itself has the
   * wrong shape.
   */
  public static Chunk read(EventEnvelope event) {
    LatencyBatchPayload p = LatencyBatchCodec.decode(event.payloadView());
    List<RawSample> out = new ArrayList<>(p.samples().size());
    for (LatencyBatchPayload.Sample s : p.samples()) {
      out.add(new RawSample(event.sessionId(), s.stage(), s.valueMs(), s.turn(), s.occurredAtMs(), s.platform(),
          s.model()));
    }
    return new Chunk(p.batchId(), p.chunk(), out, p.malformed());
  }
}
