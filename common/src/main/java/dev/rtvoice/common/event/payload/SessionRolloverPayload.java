package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The {@code session.rollover} payload (docs/events.md): one shape per {@code outcome}.
 */
public sealed interface SessionRolloverPayload extends SessionEventPayload {
  /** The {@code outcome} field. */
  String outcome();

  @Override
  default EventType type() {
    return EventType.SESSION_ROLLOVER;
  }

  /**
   * A hand-over is planned.
   *
   * @param reason {@code call_age}, {@code session_expired} or {@code requested}
   * @param callId the old call; null when the session had none
   */
  record Planned(String reason, String callId, long deadlineMs) implements SessionRolloverPayload {
    @Override
    public String outcome() {
      return "planned";
    }
  }

  /**
   * The new call took over.
   *
   * @param gapMs the audio gap the client measured; null when it gave none
   * @param rollovers completed so far, this one included
   */
  record Completed(String oldCallId, String newCallId, Long gapMs, int rollovers) implements SessionRolloverPayload {
    @Override
    public String outcome() {
      return "completed";
    }
  }

  /**
   * The planned hand-over failed.
   *
   * @param reason {@code deadline} or the client's {@code client.rollover_failed} reason (null if it gave none)
   * @param callId the call the hand-over was planned from; null when the session had none
   */
  record Failed(String reason, String callId) implements SessionRolloverPayload {
    @Override
    public String outcome() {
      return "failed";
    }
  }
}
