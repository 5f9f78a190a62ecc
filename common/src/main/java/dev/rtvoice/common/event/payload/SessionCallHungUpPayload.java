package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.call_hung_up} payload (docs/events.md).
 *
 * @param reason {@code abandoned}, {@code budget_exceeded}, {@code rollover_old_call}, {@code replaced} or {@code unclaimed}
 */
public record SessionCallHungUpPayload(String callId, String reason) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_CALL_HUNG_UP;
  }
}
