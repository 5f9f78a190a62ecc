package dev.rtvoice.alerting.domain;

import static dev.rtvoice.alerting.testing.Panes.BUCKET_MS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.alerting.domain.rule.LabelMatcher;
import dev.rtvoice.alerting.domain.rule.ViewSpec;
import dev.rtvoice.alerting.domain.window.View;
import dev.rtvoice.alerting.domain.window.WindowStore;
import dev.rtvoice.alerting.domain.window.WindowStore.Outcome;
import dev.rtvoice.alerting.testing.Panes;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Panes become windows: newest pane per instance and bucket, instances merged, windows slide. */
class WindowStoreTest {
  private final long t0 = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
  private final ViewSpec fails = new ViewSpec("session_rotate_fail_total", WindowPane.Kind.COUNTER, 300_000, 0,
      List.of(), List.of());
  private final ViewSpec failsByReason = new ViewSpec("session_rotate_fail_total", WindowPane.Kind.COUNTER, 300_000,
      0, List.of(new LabelMatcher("reason", Set.of("upstream_5xx", "upstream_timeout"), false)), List.of("reason"));
  private final ViewSpec firstAudio = new ViewSpec("latency.first_audio", WindowPane.Kind.LATENCY, 300_000, 0,
      List.of(), List.of());
  private final ViewSpec baseline = new ViewSpec("session_rotate_fail_total", WindowPane.Kind.COUNTER, 3_600_000,
      300_000, List.of(), List.of());
  private final WindowStore store = new WindowStore(List.of(fails, failsByReason, firstAudio, baseline),
      new WindowStore.Settings(120_000, 600_000), Clock.systemUTC());

  private long bucket(int n) {
    return t0 + n * BUCKET_MS;
  }

  private Outcome ingest(WindowPane pane) {
    return store.ingest(pane, pane.bucketEnd().toEpochMilli());
  }

  private double sum(ViewSpec spec) {
    View view = store.view(spec);
    return view.groups().values().stream().mapToDouble(g -> g.sum()).sum();
  }

  @Test
  void earlyPanesReplaceEachOtherAndNeverCountTwice() {
    Map<String, String> reason = Map.of("reason", "upstream_5xx");
    assertThat(ingest(Panes.counter("m1", "session_rotate_fail_total", bucket(0), 1, false, reason, 1)))
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(ingest(Panes.counter("m1", "session_rotate_fail_total", bucket(0), 2, false, reason, 3)))
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(sum(fails)).isEqualTo(3);
    // an older or repeated version changes nothing
    assertThat(ingest(Panes.counter("m1", "session_rotate_fail_total", bucket(0), 1, false, reason, 1)))
        .isEqualTo(Outcome.STALE);
    assertThat(ingest(Panes.counter("m1", "session_rotate_fail_total", bucket(0), 2, false, reason, 3)))
        .isEqualTo(Outcome.STALE);
    assertThat(ingest(Panes.counter("m1", "session_rotate_fail_total", bucket(0), 3, true, reason, 4)))
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(sum(fails)).isEqualTo(4);
    assertThat(sum(failsByReason)).isEqualTo(4);
  }

  @Test
  void instancesOfTheSameBucketAreMerged() {
    ingest(Panes.counter("m1", "session_rotate_fail_total", bucket(0), 1, true, Map.of("reason", "upstream_5xx"), 2));
    ingest(Panes.counter("m2", "session_rotate_fail_total", bucket(0), 1, true, Map.of("reason", "upstream_5xx"), 5));
    ingest(Panes.counter("m2", "session_rotate_fail_total", bucket(0), 2, true, Map.of("reason", "circuit_open"), 1));
    // m2's second version replaced its first: 5 is gone, circuit_open 1 came
    assertThat(sum(fails)).isEqualTo(3);
    View byReason = store.view(failsByReason);
    assertThat(byReason.groups()).containsOnlyKeys(LabelSet.of("reason", "upstream_5xx"));
    assertThat(byReason.group(LabelSet.of("reason", "upstream_5xx")).sum()).isEqualTo(2);

    LatencySketch a = Panes.sketch(100, 200, 300);
    LatencySketch b = Panes.sketch(5000, 6000);
    ingest(Panes.latency("m1", "first_audio", bucket(0), 1, true, Map.of("platform", "web"), a));
    ingest(Panes.latency("m2", "first_audio", bucket(0), 1, true, Map.of("platform", "ios"), b));
    LatencySketch merged = a.copy();
    merged.merge(b);
    View latency = store.view(firstAudio);
    assertThat(latency.group(LabelSet.EMPTY).bins().count()).isEqualTo(5);
    assertThat(latency.group(LabelSet.EMPTY).bins().quantile(0.95, dev.rtvoice.alerting.domain.window.SketchBins.MAPPING))
        .isEqualTo(merged.quantile(0.95));
  }

  @Test
  void windowsSlideWithTheNewestBucket() {
    ingest(Panes.counter("session_rotate_fail_total", bucket(0), 1));
    ingest(Panes.counter("session_rotate_fail_total", bucket(10), 2));
    assertThat(sum(fails)).isEqualTo(3);
    // 5 minutes after bucket 0 ended, it leaves the 5 m view and enters the baseline (offset 5 m)
    ingest(Panes.counter("session_rotate_fail_total", bucket(29), 0));
    assertThat(sum(fails)).isEqualTo(3);
    assertThat(sum(baseline)).isZero();
    ingest(Panes.counter("session_rotate_fail_total", bucket(30), 0));
    assertThat(sum(fails)).isEqualTo(2);
    assertThat(sum(baseline)).isEqualTo(1);
    // a jump longer than the range rebuilds the view from what is kept
    ingest(Panes.counter("session_rotate_fail_total", bucket(200), 7));
    assertThat(sum(fails)).isEqualTo(7);
    assertThat(sum(baseline)).isEqualTo(3);
    assertThat(store.windowEnd()).isEqualTo(bucket(201));
  }

  @Test
  void lateInstancesAreMergedWithinTheGraceOnly() {
    ingest(Panes.counter("m1", "session_rotate_fail_total", bucket(20), 1, true, Map.of(), 1));
    // m2's pane for bucket 10 ended 100 s before the newest bucket's end: within the 2 m grace
    assertThat(ingest(Panes.counter("m2", "session_rotate_fail_total", bucket(10), 1, true, Map.of(), 1)))
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(sum(fails)).isEqualTo(2);
    // bucket 8 ended 120 s before: refused and counted, the windows unchanged
    assertThat(ingest(Panes.counter("m2", "session_rotate_fail_total", bucket(8), 1, true, Map.of(), 1)))
        .isEqualTo(Outcome.LATE);
    assertThat(sum(fails)).isEqualTo(2);
    // while restoring (partitions replayed one after another), late panes are merged
    store.restoring(true);
    assertThat(ingest(Panes.counter("m2", "session_rotate_fail_total", bucket(8), 1, true, Map.of(), 1)))
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(sum(fails)).isEqualTo(3);
    // but nothing older than the longest window
    assertThat(ingest(Panes.counter("m2", "session_rotate_fail_total", bucket(20 - 400), 1, true, Map.of(), 1)))
        .isEqualTo(Outcome.EXPIRED);
  }

  @Test
  void panesTheRulesCannotUseAreRefusedButStillMoveTime() {
    long future = Instant.now().plus(1, ChronoUnit.HOURS).toEpochMilli();
    assertThat(ingest(Panes.counter("session_rotate_fail_total", future, 1))).isEqualTo(Outcome.FUTURE);
    assertThat(store.windowEnd()).isEqualTo(Long.MIN_VALUE);
    WindowPane wrongKind = new WindowPane("m1", "session_rotate_fail_total", WindowPane.Kind.LATENCY,
        Instant.ofEpochMilli(bucket(0)), Instant.ofEpochMilli(bucket(1)), true, 1,
        List.of(new WindowPane.Series(Map.of(), 1, Panes.sketch(1))));
    assertThat(ingest(wrongKind))
        .isEqualTo(Outcome.KIND_MISMATCH);
    assertThat(ingest(Panes.counter("token_issued_total", bucket(3), 5))).isEqualTo(Outcome.UNUSED);
    assertThat(store.windowEnd()).isEqualTo(bucket(4));
    assertThat(store.eventTime()).isEqualTo(bucket(4));
  }

  @Test
  void eventTimeOfAnEarlyPaneIsWhereItsDataReaches() {
    WindowPane early = Panes.counter("m1", "session_rotate_fail_total", bucket(0), 1, false, Map.of(), 1);
    store.ingest(early, bucket(0) + 3_000);
    assertThat(store.eventTime()).isEqualTo(bucket(0) + 3_000);
    assertThat(store.windowEnd()).isEqualTo(bucket(1));
    // an occurred_at outside the bucket is clamped into it
    store.ingest(Panes.counter("m1", "session_rotate_fail_total", bucket(0), 2, false, Map.of(), 1), bucket(50));
    assertThat(store.eventTime()).isEqualTo(bucket(1));
  }

  @Test
  void oldBucketsAndSeriesAreForgotten() {
    for (int n = 0; n < 2000; n++) {
      ingest(Panes.counter("m1", "session_rotate_fail_total", bucket(n), 1, true, Map.of("reason", "r" + n), 1));
    }
    // the longest view is 1 h 5 min: 390 buckets, and the series seen in them
    assertThat(store.bucketCount()).isLessThanOrEqualTo(391);
    assertThat(store.seriesCount()).isLessThanOrEqualTo(391 + 64);
    assertThat(sum(fails)).isEqualTo(30);
    assertThat(sum(baseline)).isEqualTo(360);
  }
}
