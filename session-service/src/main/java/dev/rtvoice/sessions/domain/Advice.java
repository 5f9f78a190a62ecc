package dev.rtvoice.sessions.domain;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the service tells a client on its next call when it found something wrong on its own: ordering
 * broke (a gap that did not fill, events of a response that never started), or the service moved the
 * session to RECOVERING (a timeout, an upstream error, a failed interrupt). The client then asks
 * {@code POST /recover} with this reason instead of guessing.
 *
 * @param recoveryClass the class the plan for {@code reason} will have
 */
public record Advice(String reason, String recoveryClass) {
  /** Causes of RECOVERING that the service decided itself (not a client's recover call). */
  static final Set<String> SERVICE_CAUSES =
      Set.of("thinking_timeout", "upstream_error", "response_failed", "ack_timeout", "cancel_not_sent");

  public static Advice of(Phase phase, String orderBroken, String recoveryCause) {
    if (phase == Phase.ENDED) {
      return null;
    }
    if (orderBroken != null) {
      return new Advice("event_order_broken", RecoveryPlan.SESSION);
    }
    if (phase == Phase.RECOVERING && recoveryCause != null && SERVICE_CAUSES.contains(recoveryCause)) {
      return new Advice(recoveryCause, RecoveryPlan.plan(recoveryCause, -1, 0, 0).recoveryClass());
    }
    return null;
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("action", "recover");
    m.put("reason", reason);
    m.put("class", recoveryClass);
    return m;
  }
}
