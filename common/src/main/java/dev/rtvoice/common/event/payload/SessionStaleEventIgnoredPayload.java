package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.stale_event_ignored} payload (docs/events.md).
 *
 * @param eventType the wire type of the late event
 * @param reason {@code response_cancelled} or {@code response_done}
 */
public record SessionStaleEventIgnoredPayload(String responseId, String eventType, String reason) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_STALE_EVENT_IGNORED;
  }
}
