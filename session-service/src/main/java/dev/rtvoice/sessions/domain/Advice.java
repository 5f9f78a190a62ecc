package dev.rtvoice.sessions.domain;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the service tells a client on its next call when it found something on its own: ordering
 * broke (a gap that did not fill, events of a response that never started), the service moved the
 * session to RECOVERING (a timeout, an upstream error, a failed interrupt), or the upstream call must
 * be handed over to a new one (action {@code rollover}: it reached {@code ROLLOVER_AFTER} and the
 * session is quiet, or upstream ended it with {@code session_expired}). The client then asks
 * {@code POST /recover} with this reason instead of guessing.
 *
 * @param action {@code recover} or {@code rollover}
 * @param recoveryClass the class the plan for {@code reason} will have
 */
public record Advice(String action, String reason, String recoveryClass) {
  public static final String RECOVER = "recover";
  public static final String ROLLOVER = "rollover";
  /** Causes of RECOVERING that the service decided itself (not a client's recover call). */
  static final Set<String> SERVICE_CAUSES =
      Set.of("thinking_timeout", "upstream_error", "response_failed", "ack_timeout", "cancel_not_sent");

  public Advice(String reason, String recoveryClass) {
    this(RECOVER, reason, recoveryClass);
  }

  public static Advice of(Phase phase, String orderBroken, String recoveryCause) {
    return of(phase, orderBroken, recoveryCause, false, false, false);
  }

  /**
   * @param rolloverPlanned a hand-over is planned already (the client has its plan: nothing to advise)
   * @param rolloverDue the call reached {@code ROLLOVER_AFTER}
   * @param quiet LISTENING, no response active, the user not speaking: a turn boundary to switch at
   */
  public static Advice of(Phase phase, String orderBroken, String recoveryCause, boolean rolloverPlanned,
                          boolean rolloverDue, boolean quiet) {
    if (phase == Phase.ENDED) {
      return null;
    }
    if (orderBroken != null) {
      return new Advice("event_order_broken", RecoveryPlan.SESSION);
    }
    if (phase == Phase.RECOVERING && Rollover.SESSION_EXPIRED.equals(recoveryCause)) {
      // the call is gone: the same hand-over, at once
      return rolloverPlanned ? null : new Advice(ROLLOVER, Rollover.SESSION_EXPIRED, RecoveryPlan.ROLLOVER);
    }
    if (phase == Phase.RECOVERING && recoveryCause != null && SERVICE_CAUSES.contains(recoveryCause)) {
      return new Advice(recoveryCause, RecoveryPlan.plan(recoveryCause, -1, 0, 0).recoveryClass());
    }
    if (rolloverDue && !rolloverPlanned && quiet && phase == Phase.LISTENING) {
      return new Advice(ROLLOVER, Rollover.CALL_AGE, RecoveryPlan.ROLLOVER);
    }
    return null;
  }

  /** The advice for a session as it is now. */
  public static Advice of(SessionState s) {
    return of(s.phase, s.orderBroken, s.recoveryCause, s.rollover != null, s.rolloverDue, quiet(s));
  }

  /** The advice for a snapshot (the read view's: it holds snapshots, not states). */
  public static Advice ofSnapshot(Map<String, Object> m) {
    Phase phase = Phase.parse((String) m.get("phase"));
    boolean quiet = phase == Phase.LISTENING && m.get("response_id") == null
        && !Boolean.TRUE.equals(m.get("user_speaking")) && !Boolean.TRUE.equals(m.get("call_gone"));
    return of(phase, (String) m.get("order_broken"), (String) m.get("recovery_cause"), m.get("rollover") != null,
        Boolean.TRUE.equals(m.get("rollover_due")), quiet);
  }

  static boolean quiet(SessionState s) {
    return s.phase == Phase.LISTENING && s.responseId == null && !s.userSpeaking && !s.callGone;
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("action", action);
    m.put("reason", reason);
    m.put("class", recoveryClass);
    return m;
  }
}
