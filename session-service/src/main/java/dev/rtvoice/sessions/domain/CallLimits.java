package dev.rtvoice.sessions.domain;

/**
 * The rules about the upstream call itself, durations in milliseconds.
 *
 * @param rolloverAfterMs {@code ROLLOVER_AFTER} (default 55 min): a call this old is handed over to a
 *     new one at the next quiet moment (upstream ends every call at 60 minutes)
 * @param rolloverDeadlineMs {@code ROLLOVER_DEADLINE} (default 60 s): a planned hand-over not completed
 *     within this fails
 * @param livenessGraceMs {@code LIVENESS_GRACE} (default 45 s): a session with a live call and no client
 *     request for this long (the owner's wall clock) is abandoned: its call is hung up
 * @param maxSessionDurationMs {@code BUDGET_USER_MAX_CALL_DURATION} (default 4 h): a session's whole
 *     duration, across hand-overs; past it the session ends {@code budget_exceeded}
 */
public record CallLimits(long rolloverAfterMs, long rolloverDeadlineMs, long livenessGraceMs,
                         long maxSessionDurationMs) {
  public static final CallLimits DEFAULTS = new CallLimits(55 * 60_000L, 60_000L, 45_000L, 4 * 3_600_000L);

  public CallLimits {
    if (rolloverAfterMs < 1 || rolloverDeadlineMs < 1 || livenessGraceMs < 1 || maxSessionDurationMs < 1) {
      throw new IllegalArgumentException("call limits must be positive");
    }
  }
}
