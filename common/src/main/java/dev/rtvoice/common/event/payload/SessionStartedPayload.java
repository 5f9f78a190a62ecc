package dev.rtvoice.common.event.payload;

/**
 * The {@code session.started} payload (docs/events.md).
 *
 * @param deviceId null when the rotation token named none
 */
public record SessionStartedPayload(String userId, String deviceId) {}
