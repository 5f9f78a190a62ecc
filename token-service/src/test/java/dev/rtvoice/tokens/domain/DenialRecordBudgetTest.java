package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DenialRecordBudgetTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now.get());
    }
  };

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
        now.addAndGet(1);
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
    now.addAndGet(3_600_000);
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
