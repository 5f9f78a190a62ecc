package dev.rtvoice.sessions.domain;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A planned hand-over to a new upstream call: the client prepares the new call while the old one
 * plays, and completes with {@code client.reconnected} (reason {@code rollover}) before
 * {@code deadlineMs}, or the hand-over fails. Immutable.
 *
 * @param reason {@code call_age} (the call reached {@code ROLLOVER_AFTER}), {@code session_expired} (upstream
 *     ended it) or {@code requested} (the client asked on its own)
 */
public record Rollover(String reason, long plannedAtMs, long deadlineMs) {
  public static final String CALL_AGE = "call_age";
  public static final String SESSION_EXPIRED = "session_expired";
  public static final String REQUESTED = "requested";

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", "planned");
    m.put("reason", reason);
    m.put("planned_at_ms", plannedAtMs);
    m.put("deadline_ms", deadlineMs);
    return m;
  }

  static Rollover fromMap(Map<?, ?> m) {
    if (!(m.get("reason") instanceof String reason) || !(m.get("planned_at_ms") instanceof Number planned)
        || !(m.get("deadline_ms") instanceof Number deadline)) {
      throw new IllegalArgumentException("rollover must have reason, planned_at_ms and deadline_ms");
    }
    return new Rollover(reason, planned.longValue(), deadline.longValue());
  }
}
