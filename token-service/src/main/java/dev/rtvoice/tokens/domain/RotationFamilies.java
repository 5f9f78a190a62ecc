package dev.rtvoice.tokens.domain;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refresh-token rotation with reuse detection (OAuth 2.0 Security BCP), over the rotation ledger:
 * only the latest rotation token of a session rotates. Every instance applies the ledger's records
 * in log order with {@link #apply}, so every instance reaches the same state; of two rotations from
 * the same token, the one first in the log wins, wherever they were minted.
 *
 * <p>A session with no record has never been rotated: its generation-0 token is the latest. A
 * superseded token presented again is a reuse, which revokes the family, unless it is the token the
 * latest rotation was made from, presented within {@code replayGraceMs} of it: that is the client
 * retrying after a lost answer, and it gets the same answer again (no new secret, no fork).
 *
 * <p>Memory: one small {@link Family} per rotated session until its newest rotation token expires;
 * the sealed answer and event of a rotation are kept only for the replay grace.
 */
public final class RotationFamilies {
  /** What to do with a presented, verified rotation token. */
  public enum Verdict { ROTATE, REPLAY, REUSED, REVOKED }

  /** The verdict, with the family it was judged against (null when the session has no record). */
  public record Decision(Verdict verdict, Family family) {}

  /**
   * What is known of a session's rotations: its latest generation and, within the replay grace, how
   * the rotation to it was answered.
   */
  public record Family(int generation, int parent, boolean revoked, String rotationId, long atMs,
                       long handleExpiresAtMs, String sealedAnswer, String event) {
    Family withoutAnswer() {
      return new Family(generation, parent, revoked, rotationId, atMs, handleExpiresAtMs, null, null);
    }
  }

  private final Map<String, Family> families = new ConcurrentHashMap<>();
  private final long replayGraceMs;

  public RotationFamilies(long replayGraceMs) {
    if (replayGraceMs < 0) {
      throw new IllegalArgumentException("replay grace must not be negative");
    }
    this.replayGraceMs = replayGraceMs;
  }

  /**
   * Applies one ledger record, in log order. A rotation is accepted when the family is not revoked
   * and it starts from the latest generation (or a later one: a token newer than the ledger knows);
   * a rotation from an older generation lost a race and changes nothing.
   *
   * @return whether the record changed the family
   */
  public boolean apply(RotationRecord r) {
    boolean[] changed = {false};
    families.compute(r.sessionId(), (id, f) -> {
      if (r.kind() == RotationRecord.Kind.REVOKED) {
        changed[0] = f == null || !f.revoked();
        int generation = f == null ? r.generation() : Math.max(f.generation(), r.generation());
        long expiry = f == null ? r.handleExpiresAtMs() : Math.max(f.handleExpiresAtMs(), r.handleExpiresAtMs());
        return new Family(generation, f == null ? r.parent() : f.parent(), true, f == null ? null : f.rotationId(),
            r.atMs(), expiry, null, null);
      }
      if (f != null && (f.revoked() || r.parent() < f.generation())) {
        return f;
      }
      changed[0] = true;
      return new Family(r.generation(), r.parent(), false, r.rotationId(), r.atMs(), r.handleExpiresAtMs(),
          r.sealedAnswer(), r.event());
    });
    return changed[0];
  }

  /** The verdict on a rotation token of {@code generation} for {@code sessionId}, presented at {@code nowMs}. */
  public Decision decide(String sessionId, int generation, long nowMs) {
    Family f = families.get(sessionId);
    if (f == null) {
      return new Decision(Verdict.ROTATE, null);
    }
    if (f.revoked()) {
      return new Decision(Verdict.REVOKED, f);
    }
    if (generation >= f.generation()) {
      return new Decision(Verdict.ROTATE, f);
    }
    if (generation == f.parent() && f.sealedAnswer() != null && nowMs - f.atMs() <= replayGraceMs) {
      return new Decision(Verdict.REPLAY, f);
    }
    return new Decision(Verdict.REUSED, f);
  }

  /** Whether the rotation {@code rotationId} is the session's latest (it won its race and was not revoked). */
  public boolean won(String sessionId, String rotationId) {
    Family f = families.get(sessionId);
    return f != null && !f.revoked() && rotationId.equals(f.rotationId());
  }

  public Family family(String sessionId) {
    return families.get(sessionId);
  }

  /**
   * Forgets families whose newest rotation token has expired (every token of theirs is refused by
   * its signature's expiry anyway) and answers older than the replay grace.
   *
   * @return how many families were forgotten
   */
  public int evict(long nowMs) {
    int removed = 0;
    for (Iterator<Map.Entry<String, Family>> it = families.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Family> e = it.next();
      Family f = e.getValue();
      if (f.handleExpiresAtMs() < nowMs) {
        if (families.remove(e.getKey(), f)) {
          removed++;
        }
      } else if (f.sealedAnswer() != null && nowMs - f.atMs() > replayGraceMs) {
        families.replace(e.getKey(), f, f.withoutAnswer());
      }
    }
    return removed;
  }

  public int size() {
    return families.size();
  }

  public long replayGraceMs() {
    return replayGraceMs;
  }
}
