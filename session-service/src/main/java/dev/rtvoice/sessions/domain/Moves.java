package dev.rtvoice.sessions.domain;

import static dev.rtvoice.sessions.domain.Decision.Outcome.APPLIED;
import static dev.rtvoice.sessions.domain.Decision.Outcome.DUPLICATE;
import static dev.rtvoice.sessions.domain.Decision.Outcome.REFUSED;

import dev.rtvoice.common.event.payload.SessionEndedPayload;
import dev.rtvoice.common.event.payload.SessionInterruptRecoveryFailedPayload;
import dev.rtvoice.common.event.payload.SessionPhaseChangedPayload;
import dev.rtvoice.sessions.domain.Decision.Effect;

/**
 * What every event family does the same way: the outcome of an input with its counter, a phase
 * change with its {@code session.phase_changed}, and the moves several families share (to
 * RECOVERING, to ENDED, an open interrupt failing).
 */
final class Moves {
  private final MachineSettings settings;

  Moves(MachineSettings settings) {
    this.settings = settings;
  }

  // ---- outcomes ----

  void applied(SessionState s, Decision d) {
    s.count(Counter.EVENTS_APPLIED);
    d.outcome(APPLIED, null);
  }

  void refuse(SessionState s, Decision d, String why) {
    s.count(Counter.REFUSED);
    d.outcome(REFUSED, why);
  }

  void duplicate(SessionState s, Decision d, String why) {
    s.count(Counter.DUPLICATES);
    d.outcome(DUPLICATE, why);
  }

  // ---- moves ----

  void move(SessionState s, Decision d, Phase to, String cause, long t) {
    Phase from = s.phase;
    if (from == to) {
      return;
    }
    s.phase = to;
    if (from == Phase.PENDING_INTERRUPT) {
      s.pending = null;
    }
    if (to == Phase.THINKING) {
      s.thinkingDeadlineMs = t + settings.thinkingTimeoutMs();
    } else {
      s.thinkingDeadlineMs = -1;
    }
    d.emit(new SessionPhaseChangedPayload(from.name(), to.name(), cause, s.turn), t);
  }

  void recovering(SessionState s, Decision d, String cause, long t) {
    s.recoveryCause = cause;
    if (s.responseId != null) {
      // the response in flight is abandoned: its late events must not revive it
      s.cancelledResponses.add(s.responseId);
      forgetResponse(s);
    }
    s.speechStoppedAtMs = -1;
    move(s, d, Phase.RECOVERING, cause, t);
  }

  void end(SessionState s, Decision d, String reason, long t) {
    closeInterruptAsFailed(s, d, "session_ended", t);
    s.endedAtMs = t;
    s.endReason = reason;
    forgetResponse(s);
    clearHeld(s);
    if (s.pendingCallId != null) {
      Calls.hangUp(d, s.pendingCallId, Calls.UNCLAIMED, t);
      s.pendingCallId = null;
      s.pendingCallDueWallMs = -1;
    }
    SessionEndedPayload ended = new SessionEndedPayload(reason, s.turn);
    move(s, d, Phase.ENDED, reason, t);
    d.emit(ended, t);
    d.effect(new Effect.CloseSideband());
  }

  /** The open interrupt fails and the session goes to RECOVERING with the same reason. */
  void interruptFailed(SessionState s, Decision d, String reason, long t) {
    closeInterruptAsFailed(s, d, reason, t);
    recovering(s, d, reason, t);
  }

  /** The open interrupt, if any, ends without an acknowledgement ({@code session.interrupt_recovery_failed}). */
  void closeInterruptAsFailed(SessionState s, Decision d, String reason, long t) {
    Interrupt i = s.interrupt;
    if (i == null) {
      return;
    }
    s.interrupt = null;
    s.count(Counter.INTERRUPTS_FAILED);
    d.emit(new SessionInterruptRecoveryFailedPayload(i.id, reason), t);
  }

  /** No current response any more (or a new one): its ids and its audio measure go. */
  static void forgetResponse(SessionState s) {
    s.responseId = null;
    s.itemId = null;
    s.audioStartedAtMs = -1;
    s.audioStoppedAtMs = -1;
  }

  static void clearHeld(SessionState s) {
    s.held = null;
    s.heldBytes = 0;
    s.gapSinceMs = -1;
  }
}
