package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IngestKeysTest {
  private static final long T = 1_800_000_000_000L;

  @Test
  void theFirstCopyInThePartitionCountsAndLaterCopiesAreSkipped() {
    IngestKeys<String> keys = new IngestKeys<>(100);
    assertThat(keys.admit(0, "a", 10, T, T + 70_000)).isEqualTo(IngestKeys.Verdict.FIRST);
    assertThat(keys.admit(0, "a", 11, T + 1000, T + 70_000)).isEqualTo(IngestKeys.Verdict.DUPLICATE);
    // the same copy handled again (a batch re-run after a failed commit) is still the first
    assertThat(keys.admit(0, "a", 10, T + 1000, T + 70_000)).isEqualTo(IngestKeys.Verdict.FIRST);
    // other partitions keep their own keys
    assertThat(keys.admit(1, "a", 3, T, T + 70_000)).isEqualTo(IngestKeys.Verdict.FIRST);
  }

  @Test
  void rebuiltFromTheLogTheEarliestCopyCountsWhateverOrderItWasRead() {
    IngestKeys<String> keys = new IngestKeys<>(100);
    keys.remember(0, "a", 40, T + 2000, T + 70_000);
    keys.remember(0, "a", 25, T + 1000, T + 70_000);
    assertThat(keys.admit(0, "a", 25, T + 1000, T + 70_000)).isEqualTo(IngestKeys.Verdict.FIRST);
    assertThat(keys.admit(0, "a", 40, T + 2000, T + 70_000)).isEqualTo(IngestKeys.Verdict.DUPLICATE);
  }

  @Test
  void keysExpireByLogTimeNotByTheWallClock() {
    IngestKeys<String> keys = new IngestKeys<>(100);
    keys.admit(0, "old", 1, T, T + 70_000);
    // a backlog an hour old is read much later: log time, not the wall clock, decides
    assertThat(keys.admit(0, "old", 2, T + 60_000, T + 70_000)).isEqualTo(IngestKeys.Verdict.DUPLICATE);
    keys.admit(0, "new", 3, T + 70_001, T + 140_000);
    assertThat(keys.size()).isEqualTo(1);
    assertThat(keys.evicted()).isZero();
  }

  @Test
  void memoryIsBoundedPerPartitionAndEarlyForgettingIsCounted() {
    IngestKeys<String> keys = new IngestKeys<>(3);
    for (int i = 0; i < 10; i++) {
      keys.admit(0, "k" + i, i, T, T + 70_000);
    }
    assertThat(keys.size()).isEqualTo(3);
    assertThat(keys.evicted()).isEqualTo(7);
  }
}
