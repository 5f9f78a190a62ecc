package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.interrupted} payload (docs/events.md).
 *
 * @param responseId null when no response was being followed
 * @param audioEndMs what the client reports it played (for an interrupt the service committed from speech:
 *     the audio it measured as delivered)
 * @param deliveredAudioMs the audio the service measured as delivered; null when it measured none
 *     (an extra field readers may ignore)
 * @param truncateAudioEndMs where the conversation item is truncated; null when it is not (an extra field)
 */
public record SessionInterruptedPayload(String interruptId, String responseId, String phaseBefore, long audioEndMs,
                                        Long deliveredAudioMs, Long truncateAudioEndMs) implements SessionEventPayload {
  @Override
  public EventType type() {
    return EventType.SESSION_INTERRUPTED;
  }
}
