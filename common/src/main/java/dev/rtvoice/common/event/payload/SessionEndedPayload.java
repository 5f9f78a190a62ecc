package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.ended} payload (docs/events.md).
 *
 * @param reason {@code client_ended} or the client's own, {@code idle_timeout}, {@code abandoned},
 *     {@code budget_exceeded}
 */
public record SessionEndedPayload(String reason, int turns) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_ENDED;
  }
}
