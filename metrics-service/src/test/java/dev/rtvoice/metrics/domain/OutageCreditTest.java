package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The rule that tells lateness the suite caused from the client's: data recorded during an outage of
 * Kafka or within the grace after it is excused if it was on time when the suite began refusing, and
 * never more than the credit allows, whatever a client claims.
 */
class OutageCreditTest {
  private static final long S = 1000;
  private static final long T0 = 1_800_000_000_000L;
  /** 30 s lateness, 60 s grace, 5 min credit: the defaults. */
  private final OutageCredit credit = new OutageCredit(30 * S, 60 * S, 300 * S);

  private boolean excused(long eventSeconds, long recordedSeconds) {
    return credit.excuses(T0 + eventSeconds * S, T0 + recordedSeconds * S);
  }

  @Test
  void withoutAnOutageOnlyTheAllowedLatenessCounts() {
    assertThat(excused(100, 131)).isFalse();
    assertThat(credit.down()).isFalse();
  }

  @Test
  void aTwoMinuteOutageExcusesWhatWasOnTimeWhenTheSuiteBeganRefusing() {
    credit.down(T0 + 100 * S);
    assertThat(credit.down()).isTrue();
    credit.up(T0 + 220 * S);
    assertThat(credit.down()).isFalse();
    // happened 10 s before the refusals began, retried and recorded 5 s after Kafka was back
    assertThat(excused(90, 225)).isTrue();
    // happened during the outage, recorded at the very end of the grace
    assertThat(excused(150, 280)).isTrue();
    // already later than the lateness when the refusals began: the client's own delay
    assertThat(excused(69, 225)).isFalse();
    assertThat(excused(70, 225)).isTrue();
    // recorded after the grace: the client sat on it
    assertThat(excused(150, 281)).isFalse();
    // recorded before the outage began: nothing to excuse
    assertThat(excused(40, 99)).isFalse();
  }

  @Test
  void whileTheOutageLastsDataRecordedIsExcusedToo() {
    credit.down(T0 + 100 * S);
    assertThat(excused(80, 140)).isTrue();
    assertThat(excused(60, 140)).isFalse();
  }

  @Test
  void aLongOutageExcusesOnlyItsLastCreditOfTime() {
    credit.down(T0);
    credit.up(T0 + 3600 * S);
    // a hostile client cannot reach back to the start of an hour-long outage
    assertThat(excused(100, 3610)).isFalse();
    // 5 min credit + 30 s lateness before the end of the outage is the oldest excused
    assertThat(excused(3600 - 330, 3610)).isTrue();
    assertThat(excused(3600 - 331, 3610)).isFalse();
    // the most anything can gain: credit + grace + lateness
    assertThat(excused(3600 - 330, 3660)).isTrue();
    assertThat(excused(3600 - 330, 3661)).isFalse();
  }

  @Test
  void aFlappingBrokerIsOneOutageAndOnlyTheLastFewAreKept() {
    credit.down(T0 + 100 * S);
    credit.up(T0 + 110 * S);
    credit.down(T0 + 150 * S); // within the grace of the first: the same outage goes on
    credit.up(T0 + 200 * S);
    assertThat(excused(80, 230)).as("on time at the first refusal").isTrue();
    for (int i = 1; i <= OutageCredit.KEPT; i++) {
      long start = 1000L * i;
      credit.down(T0 + start * S);
      credit.up(T0 + (start + 10) * S);
    }
    // the first outage was forgotten; the newest are kept
    assertThat(excused(80, 230)).isFalse();
    long last = 1000L * OutageCredit.KEPT;
    assertThat(excused(last - 20, last + 30)).isTrue();
  }

  @Test
  void downAndUpAreIdempotentAndNoneExcusesNothing() {
    credit.down(T0 + 100 * S);
    credit.down(T0 + 120 * S); // still the outage that began at 100 s
    credit.up(T0 + 130 * S);
    credit.up(T0 + 500 * S); // no outage open: nothing changes
    assertThat(excused(75, 150)).isTrue();
    assertThat(excused(100, 600)).isFalse();

    OutageCredit none = OutageCredit.none();
    none.down(T0);
    none.up(T0 + 10 * S);
    assertThat(none.excuses(T0 - 60 * S, T0 + 5 * S)).isFalse();
  }
}
