package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretFingerprintTest {
  @Test
  void isTheFirstEightHexCharactersOfTheSha256() {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assertThat(SecretFingerprint.of("abc")).isEqualTo("ba7816bf");
    assertThat(SecretFingerprint.of("ek_1")).hasSize(8).isNotEqualTo(SecretFingerprint.of("ek_2"));
  }
}
