package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/** The {@code session.ice_restart} payload (docs/events.md). */
public record SessionIceRestartPayload(String reason) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_ICE_RESTART;
  }
}
