package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/** The {@code session.interrupt_recovered} payload (docs/events.md). */
public record SessionInterruptRecoveredPayload(String interruptId, long durationMs) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_INTERRUPT_RECOVERED;
  }
}
