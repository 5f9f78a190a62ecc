package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.tokens.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DenialRecordBudgetTest {
  private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(1_000_000));

  @Test
  void aBurstOfTwiceTheRateThenTheRate() {
    DenialRecordBudget budget = new DenialRecordBudget(5, clock);
    int granted = 0;
    for (int i = 0; i < 1_000; i++) {
      granted += budget.tryRecord() ? 1 : 0;
    }
    assertThat(granted).isEqualTo(10);
    // a minute of a sender at 1,000 requests a second: 5 a second are written
    granted = 0;
    for (int second = 0; second < 60; second++) {
      for (int i = 0; i < 1_000; i++) {
        clock.advance(Duration.ofMillis(1));
        granted += budget.tryRecord() ? 1 : 0;
      }
    }
    assertThat(granted).as("5 a second, to the rounding of the refill").isBetween(299, 300);
  }

  @Test
  void aQuietSpellRefillsOnlyUpToTheBurst() {
    DenialRecordBudget budget = new DenialRecordBudget(5, clock);
    while (budget.tryRecord()) {
      // spend it
    }
    clock.advance(Duration.ofHours(1));
    int granted = 0;
    for (int i = 0; i < 100; i++) {
      granted += budget.tryRecord() ? 1 : 0;
    }
    assertThat(granted).isEqualTo(10);
  }

  @Test
  void aBudgetBelowOneIsRefused() {
    assertThatThrownBy(() -> new DenialRecordBudget(0, clock)).isInstanceOf(IllegalArgumentException.class);
  }
}
