package dev.rtvoice.sessions.domain;

import dev.rtvoice.common.event.payload.SessionBudgetExceededPayload;
import dev.rtvoice.common.event.payload.SessionCallHungUpPayload;
import dev.rtvoice.common.event.payload.SessionRolloverPayload;
import dev.rtvoice.sessions.domain.Decision.Effect;

/**
 * The upstream call's life: which call the session holds and since when, the hand-over to a new call
 * before upstream's 60-minute cap ({@code rollover}: planned, completed or failed), the call upstream
 * ended ({@code session_expired}), and the calls the service hangs up itself: over a budget, abandoned
 * by a client that stopped talking to the service, and the old call of a hand-over.
 *
 * <p>Hanging up is an effect ({@link Effect.HangUp}), run by the owner once the decision is durable;
 * the decision itself ({@code session.call_hung_up}) is the event.
 */
final class Calls {
  static final String ABANDONED = "abandoned";
  static final String BUDGET_EXCEEDED = "budget_exceeded";
  static final String ROLLOVER_OLD_CALL = "rollover_old_call";
  /** A new call replaced a live one outside a hand-over (a session-class recovery): the old one is orphaned. */
  static final String REPLACED = "replaced";
  /** A call token-service created for the session that the session does not take (see {@link #callCreated}). */
  static final String UNCLAIMED = "unclaimed";

  private final MachineSettings settings;
  private final Moves moves;

  Calls(MachineSettings settings, Moves moves) {
    this.settings = settings;
    this.moves = moves;
  }

  /**
   * The client reports a call id other than the session's: the session moves to it (the sideband
   * follows). With a hand-over planned, or a {@code client.reconnected} of reason {@code rollover}, the
   * hand-over is completed; a previous call still running is hung up either way.
   */
  void newCall(SessionState s, EventSummary e, Decision d) {
    take(s, e.callId(), "rollover".equals(e.reason()), e.gapMs(), e.occurredAtMs(), d);
  }

  private void take(SessionState s, String callId, boolean rolloverReason, Long gapMs, long t, Decision d) {
    String old = s.callId;
    boolean oldLive = old != null && !s.callGone;
    boolean handover = old != null && (s.rollover != null || rolloverReason);
    if (callId.equals(s.pendingCallId)) {
      s.pendingCallId = null;  // claimed
      s.pendingCallDueWallMs = -1;
    }
    s.previousCallId = old;
    s.callId = callId;
    s.callStartedAtMs = t;
    s.callGone = false;
    s.rolloverDue = false;
    d.effect(new Effect.ConnectSideband(callId));
    if (handover) {
      s.rollovers++;
      s.rollover = null;
      d.emit(new SessionRolloverPayload.Completed(old, callId, gapMs, s.rollovers), t);
    }
    if (oldLive) {
      hangUp(d, old, handover ? ROLLOVER_OLD_CALL : REPLACED, t);
    }
  }

  /**
   * token-service created an upstream call for this session (server-side call creation; the owner
   * forwards its {@code token.call_created}), which the client may never report. A session without a
   * live call takes it as its call at once, so the liveness check and the concurrency budget cover it
   * from its first moment. A session that holds another live call keeps it pending (a hand-over in the
   * making: the old call plays on until the client reports the new one); unreported
   * {@code LIVENESS_GRACE} after its creation, or replaced by a newer pending call, it is hung up
   * {@code unclaimed}, as is a call created for a session that has ended. A call the session already
   * knows (its call, the one before, the pending one) changes nothing: the client reported it first, or
   * the command was written twice.
   */
  void callCreated(SessionState s, Input.CallCreated c, Decision d) {
    String id = c.callId();
    if (id.equals(s.callId) || id.equals(s.previousCallId) || id.equals(s.pendingCallId)) {
      d.outcome(Decision.Outcome.NOTHING, "the session knows the call");
      return;
    }
    long t = Math.max(c.atMs(), s.eventTimeMs);
    if (s.phase == Phase.ENDED) {
      hangUp(d, id, UNCLAIMED, t);
      d.outcome(Decision.Outcome.NOTHING, "the session has ended: the call is hung up");
      return;
    }
    s.eventTimeMs = t;
    moves.applied(s, d);
    if (!s.liveCall()) {
      take(s, id, false, null, t, d);
      return;
    }
    if (s.pendingCallId != null) {
      hangUp(d, s.pendingCallId, UNCLAIMED, t);
    }
    s.pendingCallId = id;
    s.pendingCallDueWallMs = c.wallMs() + settings.calls().livenessGraceMs();
  }

  /**
   * {@code POST /recover} with a rollover reason: the hand-over is planned (once: a second ask while
   * one is planned changes nothing). The old call keeps playing, so the phase stays, unless the call
   * is gone ({@code session_expired}, from upstream or from the client): then RECOVERING.
   */
  void planRollover(SessionState s, Decision d, RecoveryPlan plan, long t) {
    boolean gone = s.callGone || s.callId == null || Rollover.SESSION_EXPIRED.equals(plan.reason());
    if (s.rollover == null) {
      String why = gone ? Rollover.SESSION_EXPIRED : s.rolloverDue ? Rollover.CALL_AGE : Rollover.REQUESTED;
      s.rollover = new Rollover(why, t, t + settings.calls().rolloverDeadlineMs());
      d.emit(new SessionRolloverPayload.Planned(why, s.callId, s.rollover.deadlineMs()), t);
    }
    moves.applied(s, d);
    if (gone) {
      callEnded(s, d, t);
    }
  }

  /** Upstream ended the call (its 60-minute cap): RECOVERING, the rollover advice at once. */
  void sessionExpired(SessionState s, Decision d, long t) {
    moves.applied(s, d);
    if (s.callId == null) {
      return;
    }
    callEnded(s, d, t);
  }

  private void callEnded(SessionState s, Decision d, long t) {
    if (!s.callGone && s.callId != null) {
      s.callGone = true;
      s.rolloverDue = false;
      // the call refuses new connections: the sideband would only retry in vain
      d.effect(new Effect.CloseSideband());
    }
    moves.closeInterruptAsFailed(s, d, Rollover.SESSION_EXPIRED, t);
    moves.recovering(s, d, Rollover.SESSION_EXPIRED, t);
  }

  /** {@code client.rollover_failed}: the client gave up its planned hand-over. */
  void clientGaveUp(SessionState s, EventSummary e, Decision d) {
    if (s.rollover == null) {
      moves.refuse(s, d, "no hand-over is planned");
      return;
    }
    moves.applied(s, d);
    rolloverFailed(s, d, e.reason(), e.occurredAtMs());
  }

  /** The planned hand-over failed (the client gave up, or its deadline passed). */
  void rolloverFailed(SessionState s, Decision d, String reason, long t) {
    String planned = s.callId;
    s.rollover = null;
    d.emit(new SessionRolloverPayload.Failed(reason, planned), t);
  }

  /** The call reached {@code ROLLOVER_AFTER}: the advice is given from the next quiet moment on. */
  void rolloverDue(SessionState s) {
    s.rolloverDue = true;
  }

  /**
   * Over a budget: {@code session.budget_exceeded}, the call hung up, the session ENDED
   * {@code budget_exceeded}. Nothing for a session that has ended already.
   */
  void overBudget(SessionState s, Decision d, String scope, String limit, long value, long max, long t) {
    if (s.phase == Phase.ENDED) {
      return;
    }
    d.emit(new SessionBudgetExceededPayload(scope, limit, value, max), t);
    if (s.liveCall()) {
      hangUp(d, s.callId, BUDGET_EXCEEDED, t);
      s.callGone = true;
    }
    moves.end(s, d, BUDGET_EXCEEDED, t);
  }

  /** The owner's budget check: applied to a live session, nothing to an ended one. */
  void overBudget(SessionState s, Input.BudgetExceeded b, Decision d) {
    if (s.phase == Phase.ENDED) {
      d.outcome(Decision.Outcome.NOTHING, "the session has ended");
      return;
    }
    long t = Math.max(b.atMs(), s.eventTimeMs);
    s.eventTimeMs = t;
    moves.applied(s, d);
    overBudget(s, d, b.scope(), b.limit(), b.value(), b.max(), t);
  }

  /**
   * Server time at which the owner must tick this session: a live call with a silent client is
   * abandoned, or a pending call is unclaimed (the earlier of the two); MAX_VALUE for neither.
   */
  long livenessDueWallMs(SessionState s) {
    return Math.min(abandonedDueWallMs(s), s.pendingCallId == null ? Long.MAX_VALUE : s.pendingCallDueWallMs);
  }

  private long abandonedDueWallMs(SessionState s) {
    if (!s.liveCall() || s.clientHeardAtMs < 0) {
      return Long.MAX_VALUE;
    }
    return s.clientHeardAtMs + settings.calls().livenessGraceMs();
  }

  /**
   * A tick written by the owner at wall time {@code wallMs}. A pending call unreported since its
   * deadline is hung up {@code unclaimed}. No client request for {@code LIVENESS_GRACE} and a live call:
   * the user is gone; the call (and a pending one) is hung up, the session ENDED {@code abandoned}; the
   * clock moves to the tick's time.
   */
  void checkLiveness(SessionState s, Input.Tick tick, Decision d) {
    if (tick.wallMs() == Input.Tick.NO_WALL_CLOCK) {
      return;
    }
    long t = Math.max(s.eventTimeMs, tick.atMs());
    boolean abandoned = tick.wallMs() >= abandonedDueWallMs(s);
    if (s.pendingCallId != null && (abandoned || tick.wallMs() >= s.pendingCallDueWallMs)) {
      hangUp(d, s.pendingCallId, UNCLAIMED, t);
      s.pendingCallId = null;
      s.pendingCallDueWallMs = -1;
      s.eventTimeMs = t;
      d.touch();
    }
    if (!abandoned) {
      return;
    }
    s.eventTimeMs = t;
    hangUp(d, s.callId, ABANDONED, t);
    s.callGone = true;
    moves.end(s, d, ABANDONED, t);
    d.touch();
  }

  static void hangUp(Decision d, String callId, String reason, long t) {
    d.emit(new SessionCallHungUpPayload(callId, reason), t);
    d.effect(new Effect.HangUp(callId, reason));
  }
}
