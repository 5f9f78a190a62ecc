package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.tokens.domain.RotationFamilies.Verdict;
import org.junit.jupiter.api.Test;

class RotationFamiliesTest {
  private static final long GRACE = 10_000;
  private static final long EXPIRY = 1_000_000;
  private final RotationFamilies families = new RotationFamilies(GRACE);

  private static RotationRecord rotated(String session, int parent, String id, long at) {
    return RotationRecord.rotated(session, parent, id, at, EXPIRY, "sealed-" + id, "event-" + id);
  }

  @Test
  void aNeverRotatedSessionRotatesFromGenerationZero() {
    assertThat(families.decide("s", 0, 0).verdict()).isEqualTo(Verdict.ROTATE);
    assertThat(families.size()).isZero();
  }

  @Test
  void onlyTheLatestTokenRotatesAndAnOlderOneOutsideTheGraceIsAReuse() {
    families.apply(rotated("s", 0, "r1", 1_000));
    families.apply(rotated("s", 1, "r2", 2_000));

    assertThat(families.decide("s", 2, 3_000).verdict()).isEqualTo(Verdict.ROTATE);
    // generation 0 after 1 and 2 were issued: the scenario of a stolen old token, never a second generation 1
    assertThat(families.decide("s", 0, 3_000).verdict()).isEqualTo(Verdict.REUSED);
    // the token of the rotation before the latest, past the grace
    assertThat(families.decide("s", 1, 2_000 + GRACE + 1).verdict()).isEqualTo(Verdict.REUSED);
  }

  @Test
  void theTokenTheLatestRotationWasMadeFromReplaysItsAnswerWithinTheGraceOnly() {
    families.apply(rotated("s", 0, "r1", 1_000));

    RotationFamilies.Decision retry = families.decide("s", 0, 1_000 + GRACE);
    assertThat(retry.verdict()).isEqualTo(Verdict.REPLAY);
    assertThat(retry.family().sealedAnswer()).isEqualTo("sealed-r1");
    assertThat(retry.family().event()).isEqualTo("event-r1");
    assertThat(families.decide("s", 0, 1_000 + GRACE + 1).verdict()).isEqualTo(Verdict.REUSED);
  }

  @Test
  void ofTwoRotationsFromTheSameTokenTheFirstInTheLogWinsOnEveryInstance() {
    RotationFamilies other = new RotationFamilies(GRACE);
    for (RotationFamilies instance : new RotationFamilies[] {families, other}) {
      assertThat(instance.apply(rotated("s", 0, "first", 1_000))).isTrue();
      assertThat(instance.apply(rotated("s", 0, "second", 1_001))).isFalse();
      assertThat(instance.won("s", "first")).isTrue();
      assertThat(instance.won("s", "second")).isFalse();
      // the loser's request is judged against the winner: a retry within the grace, so the winner's answer
      assertThat(instance.decide("s", 0, 1_500).family().rotationId()).isEqualTo("first");
    }
  }

  @Test
  void aRevokedFamilyRefusesEveryTokenAndIgnoresLaterRotations() {
    families.apply(rotated("s", 0, "r1", 1_000));
    assertThat(families.apply(RotationRecord.revoked("s", 1, 2_000, EXPIRY))).isTrue();
    assertThat(families.apply(RotationRecord.revoked("s", 1, 2_001, EXPIRY))).isFalse();

    assertThat(families.decide("s", 1, 2_100).verdict()).isEqualTo(Verdict.REVOKED);
    assertThat(families.decide("s", 0, 2_100).verdict()).isEqualTo(Verdict.REVOKED);
    assertThat(families.decide("s", 7, 2_100).verdict()).isEqualTo(Verdict.REVOKED);
    // a rotation minted before the revocation reached its instance does not bring the family back
    assertThat(families.apply(rotated("s", 1, "late", 2_200))).isFalse();
    assertThat(families.won("s", "late")).isFalse();
    assertThat(families.won("s", "r1")).isFalse();
  }

  @Test
  void aRevocationOfAnUnknownSessionStillRefusesIt() {
    families.apply(RotationRecord.revoked("s", 0, 1_000, EXPIRY));
    assertThat(families.decide("s", 0, 1_100).verdict()).isEqualTo(Verdict.REVOKED);
  }

  @Test
  void aTokenNewerThanTheLedgerKnowsRotates() {
    families.apply(rotated("s", 0, "r1", 1_000));
    // the ledger lost records (a recreated topic): the signed token is trusted, the chain goes on from it
    assertThat(families.decide("s", 5, 1_100).verdict()).isEqualTo(Verdict.ROTATE);
    assertThat(families.apply(rotated("s", 5, "r6", 1_200))).isTrue();
    assertThat(families.family("s").generation()).isEqualTo(6);
  }

  @Test
  void replayingTheSameRecordTwiceChangesNothing() {
    RotationRecord r1 = rotated("s", 0, "r1", 1_000);
    assertThat(families.apply(r1)).isTrue();
    assertThat(families.apply(r1)).isFalse();
    assertThat(families.family("s").generation()).isEqualTo(1);
  }

  @Test
  void memoryIsBoundedFamiliesGoWhenTheirTokensExpireAndAnswersAfterTheGrace() {
    families.apply(RotationRecord.rotated("short", 0, "a", 1_000, 50_000, "sealed", "event"));
    families.apply(RotationRecord.rotated("long", 0, "b", 1_000, 500_000, "sealed", "event"));

    assertThat(families.evict(1_000 + GRACE + 1)).isZero();
    assertThat(families.family("long").sealedAnswer()).isNull();
    assertThat(families.family("long").event()).isNull();
    assertThat(families.family("long").generation()).isEqualTo(1);
    // without its answer, a late retry of the parent is a reuse
    assertThat(families.decide("long", 0, 1_000 + GRACE).verdict()).isEqualTo(Verdict.REUSED);

    assertThat(families.evict(50_001)).isEqualTo(1);
    assertThat(families.family("short")).isNull();
    assertThat(families.size()).isEqualTo(1);
  }
}
