package dev.rtvoice.common.event.payload;

/**
 * The {@code token.refreshed} payload (docs/events.md): a session's rotation token renewed without a
 * client secret. Nothing was minted, so there is no fingerprint and no upstream time.
 *
 * @param expiresAt epoch seconds: the end of the period the new rotation token covers
 * @param refreshAt epoch seconds
 * @param generation >= 1; rotations and refreshes share the count
 * @param tenantId null when the user's token named no valid tenant
 */
public record TokenRefreshedPayload(String userId, String deviceId, int ttlSeconds, long expiresAt, long refreshAt,
                                    int generation, String model, String voice, long totalMs, String tenantId) {}
