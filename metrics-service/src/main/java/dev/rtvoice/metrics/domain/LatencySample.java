package dev.rtvoice.metrics.domain;

/**
 * One validated latency sample.
 *
 * @param valueMs the stage's duration, 0 .. {@link SampleValidator#MAX_VALUE_MS}
 * @param occurredAtMs event time (epoch ms): when the measured interval ended
 * @param model the model label, or null when the sample has none
 */
public record LatencySample(Stage stage, double valueMs, long occurredAtMs, String sessionId, long turn,
                            String platform, String model) {}
