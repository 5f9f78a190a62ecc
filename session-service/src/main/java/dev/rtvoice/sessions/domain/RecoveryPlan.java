package dev.rtvoice.sessions.domain;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a client does to recover, by the class of what went wrong:
 * <ul>
 *   <li>transport ({@code ice_failed}, {@code network_switch}): rebuild the peer connection (ICE
 *       restart), keep the token and the upstream session, replay the summary;</li>
 *   <li>session ({@code token_expired}, {@code auth_failed}, {@code event_order_broken}): rebuild,
 *       reissue the token, start a new upstream session, replay the summary;</li>
 *   <li>anything else: rebuild, reissue, new upstream session, no replay (the service cannot vouch
 *       for the summary of a failure it does not understand).</li>
 * <li>rollover ({@code rollover}, {@code session_expired}): hand the conversation over to a new upstream
 *     call: a fresh client secret (token-service rotate), a new peer connection and call prepared while
 *     the old one still plays, the summary replayed on it, the switch at the turn boundary; the
 *     rotation token is kept. {@code session_expired} is the same plan when upstream already ended the
 *     call (the old call is gone, nothing plays meanwhile).</li>
 * </ul>
 * A transport plan keeps the client secret, so it first checks how long that secret has left: if it
 * expires within the rotation lead, the plan says to rotate first, so renegotiation never runs on a
 * secret about to die. A secret that has already expired cannot be kept: a transport reason then gets
 * the session-class plan (reissue, new upstream session, replay the summary), never keep-and-rotate.
 *
 * @param recoveryClass {@code transport}, {@code session} or {@code rollover}
 * @param freshSecret the client gets a new client secret for the new call (rollover plans)
 * @param secretExpiresInMs how long the client secret has left (negative: expired); null if unknown
 */
public record RecoveryPlan(
    String reason,
    String recoveryClass,
    boolean rebuildPeer,
    boolean keepToken,
    boolean reissueToken,
    boolean newUpstreamSession,
    boolean replaySummary,
    boolean iceRestart,
    boolean rotateFirst,
    Long secretExpiresInMs,
    boolean freshSecret) {

  public static final String TRANSPORT = "transport";
  public static final String SESSION = "session";
  public static final String ROLLOVER = "rollover";
  /** Where a rollover switches to the new call: LISTENING, no response active, the user not speaking. */
  public static final String SWITCH_AT_TURN_BOUNDARY = "turn_boundary";
  public static final Set<String> TRANSPORT_REASONS = Set.of("ice_failed", "network_switch");
  public static final Set<String> SESSION_REASONS = Set.of("token_expired", "auth_failed", "event_order_broken");
  public static final Set<String> ROLLOVER_REASONS = Set.of("rollover", "session_expired");

  public static RecoveryPlan plan(String reason, long secretExpiresAtMs, long nowMs, long rotationLeadMs) {
    String r = reason.toLowerCase(Locale.ROOT);
    Long left = secretExpiresAtMs > 0 ? secretExpiresAtMs - nowMs : null;
    if (ROLLOVER_REASONS.contains(r)) {
      return new RecoveryPlan(r, ROLLOVER, true, true, false, true, true, false, false, left, true);
    }
    if (TRANSPORT_REASONS.contains(r) && left != null && left <= 0) {
      return new RecoveryPlan(r, SESSION, true, false, true, true, true, false, false, left, false);
    }
    if (TRANSPORT_REASONS.contains(r)) {
      boolean rotateFirst = left != null && left < rotationLeadMs;
      return new RecoveryPlan(r, TRANSPORT, true, true, false, false, true, true, rotateFirst, left, false);
    }
    if (SESSION_REASONS.contains(r)) {
      return new RecoveryPlan(r, SESSION, true, false, true, true, true, false, false, left, false);
    }
    return new RecoveryPlan(r, SESSION, true, false, true, true, false, false, false, left, false);
  }

  /** A reason fit for a metric label: the known ones, or {@code other}. */
  public static String labelOf(String reason) {
    return TRANSPORT_REASONS.contains(reason) || SESSION_REASONS.contains(reason) || ROLLOVER_REASONS.contains(reason)
        ? reason : "other";
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("class", recoveryClass);
    m.put("reason", reason);
    m.put("rebuild_peer", rebuildPeer);
    m.put("keep_token", keepToken);
    m.put("reissue_token", reissueToken);
    if (ROLLOVER.equals(recoveryClass)) {
      m.put("fresh_secret", freshSecret);
    }
    m.put("new_upstream_session", newUpstreamSession);
    m.put("replay_summary", replaySummary);
    if (ROLLOVER.equals(recoveryClass)) {
      m.put("switch_at", SWITCH_AT_TURN_BOUNDARY);
    }
    m.put("ice_restart", iceRestart);
    m.put("rotate_first", rotateFirst);
    m.put("secret_expires_in_ms", secretExpiresInMs);
    return m;
  }
}
