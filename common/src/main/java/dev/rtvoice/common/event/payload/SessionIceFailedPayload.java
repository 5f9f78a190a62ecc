package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.ice_failed} payload (docs/events.md).
 *
 * @param iceState the state the client reported
 */
public record SessionIceFailedPayload(String iceState) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_ICE_FAILED;
  }
}
