package dev.rtvoice.sessions.domain;

import dev.rtvoice.sessions.domain.Decision.Effect;

/**
 * Time on the session's event-time clock: every deadline an input's time passes fires, in time order
 * and each at its own due time, before the input is applied. A command then moves the clock to its
 * time; a tick (not durable) moves it only to the due time of what fired, so that a tick that fires
 * nothing changes nothing and the state stays a function of the durable commands.
 */
final class Timers {
  private final MachineSettings settings;
  private final Moves moves;
  private final Intake intake;
  private final FalseInterruptions pending;
  private final Calls calls;

  Timers(MachineSettings settings, Moves moves, Intake intake, FalseInterruptions pending, Calls calls) {
    this.calls = calls;
    this.settings = settings;
    this.moves = moves;
    this.intake = intake;
    this.pending = pending;
  }

  /** Fires every deadline up to {@code t}, in time order, then moves the clock (see the class comment). */
  void advance(SessionState s, long t, Decision d, boolean tick) {
    while (true) {
      Deadline next = Deadline.next(s, settings);
      if (next.kind() == Deadline.Kind.RETENTION || next.dueMs() > t) {
        break;
      }
      s.eventTimeMs = Math.max(s.eventTimeMs, next.dueMs());
      fire(s, next, d);
      d.touch();
    }
    if (!tick && t > s.eventTimeMs) {
      s.eventTimeMs = t;
    }
    if (s.phase == Phase.ENDED && s.endedAtMs >= 0 && t >= s.endedAtMs + settings.retentionMs()) {
      s.eventTimeMs = Math.max(s.eventTimeMs, s.endedAtMs + settings.retentionMs());
      d.effect(new Effect.Tombstone());
    }
  }

  private void fire(SessionState s, Deadline deadline, Decision d) {
    long due = deadline.dueMs();
    switch (deadline.kind()) {
      case THINKING -> {
        s.count(Counter.TIMEOUTS);
        moves.recovering(s, d, "thinking_timeout", due);
      }
      case CANCEL_ACK -> moves.interruptFailed(s, d, "ack_timeout", due);
      case SPEECH_LONG_ENOUGH -> pending.commit(s, d, due);
      case TRANSCRIPT_WAIT -> pending.resume(s, d, "no_transcript", -1, due);
      case SEQUENCE_GAP -> intake.breakOrder(s, d, "sequence_gap");
      case ROLLOVER_DEADLINE -> calls.rolloverFailed(s, d, "deadline", due);
      case ROLLOVER_DUE -> calls.rolloverDue(s);
      case DURATION_BUDGET -> calls.overBudget(s, d, "user", "duration", due - s.startedAtMs,
          settings.calls().maxSessionDurationMs(), due);
      case IDLE -> moves.end(s, d, "idle_timeout", due);
      default -> throw new IllegalStateException("not a deadline that fires: " + deadline);
    }
  }
}
