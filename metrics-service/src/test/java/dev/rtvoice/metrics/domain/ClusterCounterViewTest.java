package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterCounterViewTest {
  private static final long S = 1_000;
  private static final String FALSE = CounterCatalog.FALSE_INTERRUPTIONS;
  private static final String STARTED = CounterCatalog.SESSIONS_STARTED;

  private final ClusterCounterView view = new ClusterCounterView(Duration.ofHours(1), Set.of(FALSE, STARTED));

  @Test
  void newestPaneOfEachInstancePerBucketMergedAcrossInstancesAndFinalPanesFoldedOnce() {
    assertThat(view.accept("a", FALSE, 0, 10 * S, false, 1, 2)).isTrue();
    assertThat(view.accept("a", FALSE, 0, 10 * S, false, 2, 3)).as("grown early pane replaces").isTrue();
    assertThat(view.accept("a", FALSE, 0, 10 * S, false, 2, 9)).as("same version again").isFalse();
    assertThat(view.accept("b", FALSE, 0, 10 * S, false, 1, 4)).isTrue();
    assertThat(view.totals(Duration.ofMinutes(5)).total(FALSE)).isEqualTo(7);

    assertThat(view.accept("a", FALSE, 0, 10 * S, true, 3, 5)).isTrue();
    assertThat(view.accept("a", FALSE, 0, 10 * S, true, 3, 5)).as("a repeated final pane").isFalse();
    assertThat(view.accept("a", FALSE, 0, 10 * S, false, 1, 100)).as("an early pane after the final").isFalse();
    assertThat(view.accept("a#late-1", FALSE, 0, 10 * S, true, 1, 1)).as("a late part adds").isTrue();
    assertThat(view.totals(Duration.ofMinutes(5)).total(FALSE)).isEqualTo(5 + 4 + 1);
  }

  @Test
  void bothCountersAreSummedOverTheSameBucketsOfTheWindow() {
    view.accept("a", STARTED, 0, 10 * S, true, 1, 10);
    view.accept("a", FALSE, 0, 10 * S, true, 2, 1);
    view.accept("a", STARTED, 100 * S, 110 * S, true, 3, 4);
    view.accept("a", FALSE, 100 * S, 110 * S, true, 4, 2);
    ClusterCounterView.Totals last = view.totals(Duration.ofMinutes(1));
    assertThat(last.windowEndMs()).isEqualTo(110 * S);
    assertThat(last.total(STARTED)).as("the first bucket is out of the last minute").isEqualTo(4);
    assertThat(last.total(FALSE)).isEqualTo(2);
    ClusterCounterView.Totals hour = view.totals(Duration.ofHours(1));
    assertThat(hour.total(STARTED)).isEqualTo(14);
    assertThat(hour.total(FALSE)).isEqualTo(3);
  }

  @Test
  void unwatchedMetricsAreIgnoredAndBucketsOlderThanTheRetentionReleased() {
    assertThat(view.accept("a", "interrupt_total", 0, 10 * S, true, 1, 1)).isFalse();
    for (int i = 0; i < 1_000; i++) {
      view.accept("a", STARTED, i * 10 * S, (i + 1) * 10 * S, true, i + 1, 1);
    }
    assertThat(view.bucketCount()).as("one hour of 10 s buckets").isEqualTo(360);
    assertThat(view.accept("a", STARTED, 0, 10 * S, true, 5_000, 1)).as("older than the retention").isFalse();
    assertThat(view.totals(Duration.ofHours(1)).total(STARTED)).isEqualTo(360);
  }

  @Test
  void noPaneYetGivesZeroesWithoutAWindow() {
    ClusterCounterView.Totals totals = view.totals(Duration.ofMinutes(5));
    assertThat(totals.windowEndMs()).isZero();
    assertThat(totals.total(FALSE)).isZero();
    assertThat(totals.total(STARTED)).isZero();
  }
}
