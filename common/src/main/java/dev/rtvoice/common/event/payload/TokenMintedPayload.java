package dev.rtvoice.common.event.payload;

/**
 * The {@code token.issued} (generation 0) and {@code token.rotated} (generation >= 1) payload
 * (docs/events.md). The secret itself never travels, only its fingerprint.
 *
 * @param expiresAt epoch seconds, as upstream gives it
 * @param rotateAt epoch seconds
 * @param tenantId null when the user's token named no valid tenant
 */
public record TokenMintedPayload(String userId, String deviceId, int ttlSeconds, long expiresAt, long rotateAt,
                                 int generation, String model, String voice, String secretFingerprint,
                                 long upstreamMs, long totalMs, String tenantId) {}
