package dev.rtvoice.common.event.payload;

import java.util.List;

/**
 * The {@code latency.batch} payload (docs/events.md): the samples of one client telemetry batch, or
 * of one chunk of its positions.
 *
 * @param batchId the client's idempotency key, the same on every retry
 * @param malformed samples a reader found of the wrong shape and left out (0 when writing)
 */
public record LatencyBatchPayload(String batchId, int chunk, List<Sample> samples, int malformed) {
  public LatencyBatchPayload {
    samples = List.copyOf(samples);
  }

  public LatencyBatchPayload(String batchId, int chunk, List<Sample> samples) {
    this(batchId, chunk, samples, 0);
  }

  /**
   * One sample, written as the array {@code [stage, value_ms, turn, occurred_at_ms, platform, model|null]}
   * (arrays keep a 250-sample chunk well under the event size limit).
   *
   * @param model null when the sample has none
   */
  public record Sample(String stage, double valueMs, long turn, long occurredAtMs, String platform,
                       String model) {}
}
