package dev.rtvoice.sessions.domain;

/**
 * The session's next deadline on its event-time clock: the one place that says which deadlines a
 * state has and when they fall due. {@link SessionMachine#nextDeadline} (when the owner must tick a
 * quiet session) and {@link Timers} (what fires when the clock passes it) both read it, so the two
 * cannot disagree.
 *
 * @param kind what falls due
 * @param dueMs event time at which it falls due; {@code Long.MAX_VALUE} with {@link Kind#NONE}
 */
record Deadline(Kind kind, long dueMs) {
  /** What falls due; on equal due times the earlier constant fires first. */
  enum Kind {
    /** THINKING without the response's first audio: RECOVERING ({@code thinking_timeout}). */
    THINKING,
    /** CANCELLING without upstream's acknowledgement: the interrupt fails ({@code ack_timeout}). */
    CANCEL_ACK,
    /** PENDING_INTERRUPT, no minimum of words: the speech lasted long enough, the interrupt is committed. */
    SPEECH_LONG_ENOUGH,
    /** PENDING_INTERRUPT, speech stopped: no transcript came in time, it was a false interruption. */
    TRANSCRIPT_WAIT,
    /** A sequence gap that did not fill: ordering breaks, the held events are applied past it. */
    SEQUENCE_GAP,
    /** A planned hand-over not completed by its deadline: it fails. */
    ROLLOVER_DEADLINE,
    /** The call reached {@code ROLLOVER_AFTER}: a hand-over is advised at the next quiet moment. */
    ROLLOVER_DUE,
    /** The session's duration budget is spent: ENDED {@code budget_exceeded}, its call hung up. */
    DURATION_BUDGET,
    /** No activity for the idle timeout: ENDED. */
    IDLE,
    /** An ENDED session's retention passed: its snapshot is tombstoned (not a transition). */
    RETENTION,
    NONE
  }

  static final Deadline NONE = new Deadline(Kind.NONE, Long.MAX_VALUE);

  /** The earliest deadline of {@code s}, or {@link #NONE}. */
  static Deadline next(SessionState s, MachineSettings settings) {
    Deadline next = NONE;
    if (s.phase == Phase.THINKING && s.thinkingDeadlineMs >= 0) {
      next = earlier(next, Kind.THINKING, s.thinkingDeadlineMs);
    }
    if (s.phase == Phase.CANCELLING && s.interrupt != null) {
      next = earlier(next, Kind.CANCEL_ACK, s.interrupt.deadlineMs);
    }
    if (s.phase == Phase.PENDING_INTERRUPT && s.pending != null) {
      if (s.pending.stoppedAtMs >= 0) {
        next = earlier(next, Kind.TRANSCRIPT_WAIT, s.pending.stoppedAtMs + settings.interruptTranscriptWaitMs());
      } else if (settings.interruptMinWords() == 0) {
        next = earlier(next, Kind.SPEECH_LONG_ENOUGH, s.pending.startedAtMs + settings.interruptMinSpeechMs());
      }
    }
    if (s.held != null && !s.held.isEmpty() && s.gapSinceMs >= 0) {
      next = earlier(next, Kind.SEQUENCE_GAP, s.gapSinceMs + settings.gapTimeoutMs());
    }
    if (s.phase != Phase.ENDED) {
      CallLimits calls = settings.calls();
      if (s.rollover != null) {
        next = earlier(next, Kind.ROLLOVER_DEADLINE, s.rollover.deadlineMs());
      }
      if (s.liveCall() && !s.rolloverDue && s.callStartedAtMs >= 0) {
        next = earlier(next, Kind.ROLLOVER_DUE, s.callStartedAtMs + calls.rolloverAfterMs());
      }
      if (s.callId != null) {
        next = earlier(next, Kind.DURATION_BUDGET, s.startedAtMs + calls.maxSessionDurationMs());
      }
    }
    if (s.phase == Phase.ENDED) {
      next = earlier(next, Kind.RETENTION, s.endedAtMs + settings.retentionMs());
    } else {
      next = earlier(next, Kind.IDLE, s.lastActivityMs + settings.idleTimeoutMs());
    }
    return next;
  }

  private static Deadline earlier(Deadline current, Kind kind, long dueMs) {
    return dueMs < current.dueMs ? new Deadline(kind, dueMs) : current;
  }
}
