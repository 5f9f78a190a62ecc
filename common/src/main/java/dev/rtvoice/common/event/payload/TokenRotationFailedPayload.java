package dev.rtvoice.common.event.payload;

/**
 * The {@code token.rotation_failed} payload (docs/events.md).
 *
 * @param reason {@code upstream_5xx}, {@code upstream_timeout}, {@code upstream_429}, {@code upstream_auth}
 *     or {@code circuit_open}
 * @param reissueToken always true today: the client must get a new rotation token
 */
public record TokenRotationFailedPayload(String userId, String deviceId, String reason, int attempts, long totalMs,
                                         boolean reissueToken) {}
