package dev.rtvoice.common.event.payload;

/**
 * The {@code latency.sample} payload (docs/events.md); session and event time are the envelope's.
 * The codec checks types only: a missing field is null here, and whether a sample is acceptable
 * (known stage, value in range, ...) is the reader's rule, which also applies to samples that
 * arrive by HTTP.
 *
 * @param model null when the sample has none
 */
public record LatencySamplePayload(String stage, Double valueMs, Long turn, String platform, String model) {}
