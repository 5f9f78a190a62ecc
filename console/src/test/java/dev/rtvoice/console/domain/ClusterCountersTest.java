package dev.rtvoice.console.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.console.domain.ClusterCounters.Part;
import org.junit.jupiter.api.Test;

/** Counters merged over metrics-service instances, in event time. */
class ClusterCountersTest {
  private static final long B = 10_000;
  private static final long HOUR = 3_600_000;

  private static Part part(String instance, String metric, int bucket, long version, double total) {
    return new Part(instance, metric, bucket * B, (bucket + 1) * B, version, total);
  }

  @Test
  void instancesAddUpAndTheNewestVersionOfEachInstancesPaneCountsOnce() {
    ClusterCounters c = new ClusterCounters(2 * HOUR, 10_000);
    c.accept(part("m1", "interrupt_total", 0, 1, 2));
    c.accept(part("m1", "interrupt_total", 0, 2, 5)); // the same bucket again, grown: replaces
    c.accept(part("m2", "interrupt_total", 0, 1, 3));
    c.accept(part("m1", "interrupt_total", 1, 1, 1));
    assertThat(c.accept(part("m2", "interrupt_total", 0, 1, 30))).isFalse(); // a duplicate of a version held
    assertThat(c.accept(part("m1", "interrupt_total", 0, 1, 30))).isFalse(); // an older version
    ClusterCounters.Totals t = c.lastWindow(HOUR);
    assertThat(t.byMetric()).containsEntry("interrupt_total", 9.0);
    assertThat(t.instances()).containsExactly("m1", "m2");
    assertThat(t.toMs()).isEqualTo(2 * B);
  }

  @Test
  void aLatePartAddsToItsBucketAndCountsAsItsInstance() {
    ClusterCounters c = new ClusterCounters(2 * HOUR, 10_000);
    c.accept(part("m1", "reconnect_total", 0, 3, 4));
    c.accept(part("m1#late-1", "reconnect_total", 0, 1, 2));
    assertThat(c.lastWindow(HOUR).byMetric()).containsEntry("reconnect_total", 6.0);
    assertThat(c.lastWindow(HOUR).instances()).containsExactly("m1");
  }

  @Test
  void theWindowEndsAtTheNewestBucketAndOldBucketsAreDroppedAndRefused() {
    ClusterCounters c = new ClusterCounters(HOUR, 10_000);
    c.accept(part("m1", "ice_restart_total", 0, 1, 7));
    c.accept(part("m1", "ice_restart_total", 359, 1, 1));
    assertThat(c.lastWindow(5 * 60_000).byMetric()).containsEntry("ice_restart_total", 1.0);
    assertThat(c.lastWindow(HOUR).byMetric()).containsEntry("ice_restart_total", 8.0);
    c.accept(part("m1", "ice_restart_total", 400, 1, 1)); // bucket 0 leaves the retained hour
    assertThat(c.size()).isEqualTo(2);
    assertThat(c.accept(part("m2", "ice_restart_total", 0, 1, 100))).isFalse();
    assertThat(c.lastWindow(HOUR).byMetric()).containsEntry("ice_restart_total", 2.0);
  }

  @Test
  void aFloodOfPartsIsBoundedOldestFirst() {
    ClusterCounters c = new ClusterCounters(HOUR, 100);
    for (int i = 0; i < 1_000; i++) {
      c.accept(part("m" + i, "interrupt_total", 5, 1, 1)); // one bucket, many instances
    }
    c.accept(part("m1", "interrupt_total", 6, 1, 1));
    assertThat(c.size()).isLessThanOrEqualTo(100);
    assertThat(c.lastWindow(B).byMetric()).containsEntry("interrupt_total", 1.0); // the newest bucket is kept
  }

  @Test
  void nothingYetIsAnEmptyWindow() {
    ClusterCounters.Totals t = new ClusterCounters(HOUR, 10).lastWindow(HOUR);
    assertThat(t.byMetric()).isEmpty();
    assertThat(t.instances()).isEmpty();
  }

  @Test
  void stepsHoldEachMetricsIncreasePerMinuteOverInstances() {
    ClusterCounters c = new ClusterCounters(2 * HOUR, 10_000);
    c.accept(part("m1", "interrupt_total", 0, 1, 2)); // minute 0
    c.accept(part("m2", "interrupt_total", 5, 1, 3)); // minute 0 (50..60 s)
    c.accept(part("m1", "interrupt_total", 6, 1, 1)); // minute 1
    c.accept(part("m1", "interrupt_total", 6, 2, 4)); // minute 1, grown: replaces
    c.accept(part("m1", "token_issued_total", 13, 1, 7)); // minute 2
    c.accept(part("m1", "token_issued_total", 18, 1, 9)); // minute 3: outside the three steps asked
    java.util.Map<String, double[]> steps = c.steps(0, 3, 60_000);
    assertThat(steps.get("interrupt_total")).containsExactly(5, 4, 0);
    assertThat(steps.get("token_issued_total")).containsExactly(0, 0, 7);
    assertThat(c.steps(60_000, 1, 60_000)).containsOnlyKeys("interrupt_total");
  }
}
