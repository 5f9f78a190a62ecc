package dev.rtvoice.common.event.payload;

/**
 * The {@code token.upstream_rejected} payload (docs/events.md).
 *
 * @param status the upstream HTTP status, 401 or 403
 * @param operation {@code issue} or {@code rotate}
 */
public record TokenUpstreamRejectedPayload(int status, String operation, String userId, String deviceId) {}
