package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AnswerSealTest {
  private static final String KEY = "k".repeat(40);
  private static final String ANSWER = "{\"value\":\"ek_secret_abc\",\"rotation_token\":\"rt1.a.b\"}";

  @Test
  void opensWhatItSealedAndTheSealedFormShowsNothingOfTheAnswer() {
    AnswerSeal seal = new AnswerSeal(KEY, null);
    String sealed = seal.seal(ANSWER, "rts_1", "rot-1");
    assertThat(sealed).doesNotContain("ek_").doesNotContain("secret").doesNotContain("rt1");
    assertThat(seal.open(sealed, "rts_1", "rot-1")).isEqualTo(ANSWER);
    // a fresh IV every time
    assertThat(seal.seal(ANSWER, "rts_1", "rot-1")).isNotEqualTo(sealed);
  }

  @Test
  void aSealedAnswerOpensOnlyInItsOwnRecord() {
    AnswerSeal seal = new AnswerSeal(KEY, null);
    String sealed = seal.seal(ANSWER, "rts_1", "rot-1");
    assertThatThrownBy(() -> seal.open(sealed, "rts_2", "rot-1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> seal.open(sealed, "rts_1", "rot-2")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tamperingOrAnotherKeyIsRefusedAndAFormerKeyStillOpens() {
    String sealed = new AnswerSeal(KEY, null).seal(ANSWER, "s", "r");
    // a character in the middle: the last one may carry only padding bits, which decode to the same bytes
    int at = sealed.length() / 2;
    char middle = sealed.charAt(at);
    String tampered = sealed.substring(0, at) + (middle == 'A' ? 'B' : 'A') + sealed.substring(at + 1);
    assertThatThrownBy(() -> new AnswerSeal(KEY, null).open(tampered, "s", "r"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AnswerSeal("x".repeat(40), null).open(sealed, "s", "r"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AnswerSeal(KEY, null).open("AAAA", "s", "r"))
        .isInstanceOf(IllegalArgumentException.class);
    // after a key rotation (SESSION_HANDLE_PREVIOUS_KEY), answers sealed under the old key still open
    assertThat(new AnswerSeal("x".repeat(40), KEY).open(sealed, "s", "r")).isEqualTo(ANSWER);
  }
}
