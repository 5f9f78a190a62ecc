package dev.rtvoice.tokens.domain;

/**
 * One record of the rotation ledger (key = session id). {@code ROTATED}: a rotation from generation
 * {@code parent} to {@code generation}, with what its answer was (sealed) and its {@code token.rotated}
 * event (a refresh, which renews only the rotation token: its answer and {@code token.refreshed}), kept so that a retry inside the replay grace gets exactly the same answer on any instance.
 * {@code REVOKED}: the session's rotation family is dead (a superseded rotation token was reused).
 *
 * @param atMs when the rotation was answered, or the family revoked (epoch ms)
 * @param handleExpiresAtMs when the newest rotation token of the family stops being accepted anyway
 * @param sealedAnswer the rotation's HTTP answer, encrypted; null for {@code REVOKED}
 * @param event the rotation's {@code token.rotated} (or {@code token.refreshed}) event as JSON; null for {@code REVOKED}
 */
public record RotationRecord(Kind kind, String sessionId, int parent, int generation, String rotationId, long atMs,
                             long handleExpiresAtMs, String sealedAnswer, String event) {
  public enum Kind { ROTATED, REVOKED }

  public static RotationRecord rotated(String sessionId, int parent, String rotationId, long atMs,
                                       long handleExpiresAtMs, String sealedAnswer, String event) {
    return new RotationRecord(Kind.ROTATED, sessionId, parent, parent + 1, rotationId, atMs, handleExpiresAtMs,
        sealedAnswer, event);
  }

  public static RotationRecord revoked(String sessionId, int generation, long atMs, long handleExpiresAtMs) {
    return new RotationRecord(Kind.REVOKED, sessionId, generation - 1, generation, null, atMs, handleExpiresAtMs,
        null, null);
  }
}
