package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.false_interruption} payload (docs/events.md).
 *
 * @param responseId the response that went on; null when none was followed
 * @param words null when no transcript counted
 * @param reason {@code too_short}, {@code too_few_words} or {@code no_transcript}
 */
public record SessionFalseInterruptionPayload(String responseId, long speechMs, Integer words, String reason) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_FALSE_INTERRUPTION;
  }
}
