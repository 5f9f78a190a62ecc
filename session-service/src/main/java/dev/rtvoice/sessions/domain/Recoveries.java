package dev.rtvoice.sessions.domain;

import dev.rtvoice.common.event.payload.SessionIceRestartPayload;
import dev.rtvoice.common.event.payload.SessionReconnectPayload;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /recover}: the plan for the client's reason ({@link RecoveryPlan}), the replay summary,
 * and RECOVERING until the client connects again. A recovery supersedes an open interrupt.
 */
final class Recoveries {
  private final MachineSettings settings;
  private final Moves moves;
  private final Timers timers;
  private final Calls calls;

  Recoveries(MachineSettings settings, Moves moves, Timers timers, Calls calls) {
    this.calls = calls;
    this.settings = settings;
    this.moves = moves;
    this.timers = timers;
  }

  void recover(SessionState s, Input.RecoveryRequest r, Decision d) {
    if (r.recoveryId() != null && r.recoveryId().equals(s.lastRecoveryId)) {
      // a retry of the recovery applied last (its first attempt was written after all): the same plan
      // again, nothing applied twice
      moves.duplicate(s, d, "recovery " + r.recoveryId() + " was applied already");
      d.reply(reply(s, "duplicate", RecoveryPlan.plan(r.reason(), s.secretExpiresAtMs, r.wallMs(),
          settings.rotationLeadMs())));
      return;
    }
    if (s.phase != Phase.ENDED) {
      timers.advance(s, r.atMs(), d, false);
    }
    if (s.phase == Phase.ENDED) {
      moves.refuse(s, d, "the session has ended");
      Map<String, Object> reply = new LinkedHashMap<>();
      reply.put("kind", "recovery");
      reply.put("outcome", "refused");
      reply.put("phase", s.phase.name());
      d.reply(reply);
      return;
    }
    long t = Math.max(r.atMs(), s.eventTimeMs);
    s.lastActivityMs = Math.max(s.lastActivityMs, r.atMs());
    s.secretExpiresAt(r.secretExpiresAtMs());
    RecoveryPlan plan = RecoveryPlan.plan(r.reason(), s.secretExpiresAtMs, r.wallMs(), settings.rotationLeadMs());
    if (RecoveryPlan.ROLLOVER.equals(plan.recoveryClass())) {
      // a hand-over: the old call keeps playing (unless it is gone) while the client prepares the new one
      d.emit(new SessionReconnectPayload(plan.recoveryClass(), plan.reason()), t);
      calls.planRollover(s, d, plan, t);
      s.lastRecoveryId = r.recoveryId();
      d.reply(reply(s, "applied", plan));
      return;
    }
    // a recovery supersedes an interrupt still waiting for its acknowledgement
    moves.closeInterruptAsFailed(s, d, "recovery_requested", t);
    s.count(RecoveryPlan.TRANSPORT.equals(plan.recoveryClass()) ? Counter.RECONNECTS_TRANSPORT
        : Counter.RECONNECTS_SESSION);
    d.emit(new SessionReconnectPayload(plan.recoveryClass(), plan.reason()), t);
    if (plan.iceRestart()) {
      d.emit(new SessionIceRestartPayload(plan.reason()), t);
    }
    if (RecoveryPlan.SESSION.equals(plan.recoveryClass())) {
      // the advice was given and taken: the next session starts with clean ordering
      s.orderBroken = null;
    }
    s.lastRecoveryId = r.recoveryId();
    moves.applied(s, d);
    moves.recovering(s, d, plan.reason(), t);
    d.reply(reply(s, "applied", plan));
  }

  private static Map<String, Object> reply(SessionState s, String outcome, RecoveryPlan plan) {
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("kind", "recovery");
    reply.put("outcome", outcome);
    reply.put("phase", s.phase.name());
    reply.put("plan", plan.toMap());
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("lines", plan.replaySummary() ? s.summary.toList() : List.of());
    summary.put("text", plan.replaySummary() ? s.summary.render() : "");
    summary.put("chars", plan.replaySummary() ? s.summary.chars() : 0);
    summary.put("max_chars", s.summary.maxChars());
    reply.put("summary", summary);
    return reply;
  }
}
