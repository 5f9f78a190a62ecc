package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.RawSample;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The {@code latency.batch} event of docs/events.md: the accepted samples of one client telemetry
 * batch, split by batch position into chunks of {@link #CHUNK} (at most about 53 KB each, under
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
      JsonArray samples = new JsonArray();
      long newest = Long.MIN_VALUE;
      while (i < accepted.size() && accepted.get(i).index() / CHUNK == chunk) {
        LatencySample s = accepted.get(i).sample();
        samples.add(new JsonArray().add(s.stage().wireName()).add(s.valueMs()).add(s.turn()).add(s.occurredAtMs())
            .add(s.platform()).add(s.model()));
        newest = Math.max(newest, s.occurredAtMs());
        i++;
      }
      JsonObject payload = new JsonObject().put("batch_id", batchId).put("chunk", chunk).put("samples", samples);
      events.add(new EventEnvelope(eventId(sessionId, batchId, chunk), EventType.LATENCY_BATCH,
          EventType.LATENCY_BATCH.currentVersion(), sessionId, Instant.ofEpochMilli(newest), recordedAt, source,
          payload));
    }
    return events;
  }

  /**
   * The samples of a chunk, each still to be validated; elements of the wrong shape are counted in
   * {@link Chunk#malformed()}. Returns null when the payload itself has the wrong shape.
   */
  public static Chunk read(EventEnvelope event) {
    JsonObject p = event.payloadView();
    Object batchId = p.getValue("batch_id");
    Object chunk = p.getValue("chunk");
    Object samples = p.getValue("samples");
    if (!(batchId instanceof String id) || !(chunk instanceof Integer n) || !(samples instanceof JsonArray list)) {
      return null;
    }
    List<RawSample> out = new ArrayList<>(list.size());
    int malformed = 0;
    for (Object element : list) {
      RawSample s = element instanceof JsonArray a ? sample(event.sessionId(), a) : null;
      if (s == null) {
        malformed++;
      } else {
        out.add(s);
      }
    }
    return new Chunk(id, n, out, malformed);
  }

  private static RawSample sample(String sessionId, JsonArray a) {
    if (a.size() != 6 || !(a.getValue(0) instanceof String stage) || !(a.getValue(1) instanceof Number value)
        || !(a.getValue(2) instanceof Number turn) || !(a.getValue(3) instanceof Number occurredAt)
        || !(a.getValue(4) instanceof String platform)) {
      return null;
    }
    Object model = a.getValue(5);
    if (model != null && !(model instanceof String)) {
      return null;
    }
    return new RawSample(sessionId, stage, value.doubleValue(), turn.longValue(), occurredAt.longValue(), platform,
        (String) model);
  }
}
