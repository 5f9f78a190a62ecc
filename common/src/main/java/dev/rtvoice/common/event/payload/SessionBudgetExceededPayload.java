package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.budget_exceeded} payload (docs/events.md).
 *
 * @param scope {@code user} or {@code tenant}
 * @param limit {@code duration} or {@code concurrency}
 * @param value ms of session, or live calls counted with this one
 */
public record SessionBudgetExceededPayload(String scope, String limit, long value, long max) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_BUDGET_EXCEEDED;
  }
}
