package dev.rtvoice.metrics.domain;

/**
 * A sample as it was read, before the rules were applied: every field may be missing (null). Type
 * errors were already caught by the reader (they become a {@link Rejection} without a RawSample).
 */
public record RawSample(String sessionId, String stage, Double valueMs, Long turn, Long occurredAtMs,
                        String platform, String model) {}
