package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.interrupt_recovery_failed} payload (docs/events.md).
 *
 * @param reason {@code ack_timeout}, {@code cancel_not_sent}, or why the session left the interrupt behind
 */
public record SessionInterruptRecoveryFailedPayload(String interruptId, String reason) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_INTERRUPT_RECOVERY_FAILED;
  }
}
