package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.started} payload (docs/events.md).
 *
 * @param deviceId null when the rotation token named none
 */
public record SessionStartedPayload(String userId, String deviceId) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_STARTED;
  }
}
