package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RotationScheduleTest {
  private final RotationSchedule schedule = new RotationSchedule(Duration.ofSeconds(30));
  private final Instant t0 = Instant.parse("2026-01-31T12:00:00Z");

  @Test
  void rotateAtIsTheLeadBeforeExpiry() {
    assertThat(schedule.rotateAt(t0, t0.plusSeconds(300))).isEqualTo(t0.plusSeconds(270));
    assertThat(schedule.rotateAt(t0, t0.plusSeconds(60))).isEqualTo(t0.plusSeconds(30));
  }

  @Test
  void aSecretShorterThanTwiceTheLeadRotatesAtHalfItsLife() {
    assertThat(schedule.rotateAt(t0, t0.plusSeconds(10))).isEqualTo(t0.plusSeconds(5));
  }

  @Test
  void anAlreadyExpiredSecretRotatesAtOnce() {
    assertThat(schedule.rotateAt(t0, t0.minusSeconds(1))).isEqualTo(t0.minusSeconds(1));
  }
}
