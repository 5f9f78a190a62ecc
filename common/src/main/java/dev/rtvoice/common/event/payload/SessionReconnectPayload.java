package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.reconnect} payload (docs/events.md).
 *
 * @param recoveryClass the {@code class} field: {@code transport}, {@code session} or {@code rollover}
 * @param reason a known reason or what the client said
 */
public record SessionReconnectPayload(String recoveryClass, String reason) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_RECONNECT;
  }
}
