package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.phase_changed} payload (docs/events.md).
 *
 * @param from the phase's name before, as session-service's {@code Phase} spells it
 * @param cause the event type (or the service's own reason) that moved it
 * @param turn the session's turn when it moved
 */
public record SessionPhaseChangedPayload(String from, String to, String cause, int turn) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_PHASE_CHANGED;
  }
}
