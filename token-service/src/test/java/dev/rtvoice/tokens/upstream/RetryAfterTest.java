package dev.rtvoice.tokens.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private final Instant now = Instant.parse("2026-01-31T12:00:00Z");

  @Test
  void readsSecondsAndHttpDates() {
    assertThat(RetryAfter.parseMs("2", now)).isEqualTo(2_000);
    assertThat(RetryAfter.parseMs(" 0 ", now)).isZero();
    assertThat(RetryAfter.parseMs("0.5", now)).isEqualTo(500);
    assertThat(RetryAfter.parseMs("Sat, 31 Jan 2026 12:00:03 GMT", now)).isEqualTo(3_000);
    assertThat(RetryAfter.parseMs("Sat, 31 Jan 2026 11:00:00 GMT", now)).isZero();
  }

  @Test
  void absentUnreadableOrAbsurdValues() {
    assertThat(RetryAfter.parseMs(null, now)).isEqualTo(-1);
    assertThat(RetryAfter.parseMs("soon", now)).isEqualTo(-1);
    assertThat(RetryAfter.parseMs("-3", now)).isEqualTo(-1);
    assertThat(RetryAfter.parseMs("86400", now)).isEqualTo(RetryAfter.MAX_MS);
  }
}
