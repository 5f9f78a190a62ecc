package dev.rtvoice.common.event.payload;

/**
 * The {@code token.denied} payload (docs/events.md); the session, when known, is the envelope's.
 *
 * @param reason {@code unauthenticated}, {@code forbidden}, {@code session_expired} or {@code rate_limited}
 * @param userId null when the caller was not authenticated
 * @param deviceId null when the caller sent none
 * @param detail what exactly was wrong, null when nothing more is known (an extra field readers may ignore)
 */
public record TokenDeniedPayload(String reason, String operation, String userId, String deviceId, String detail) {}
