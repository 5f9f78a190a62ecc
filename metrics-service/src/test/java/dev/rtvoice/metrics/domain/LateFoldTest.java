package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A simulated two-minute outage of the pipeline: data that was on time when the suite recorded it
 * reaches the windows two minutes late, after its buckets' final panes. It is folded into late parts
 * of those buckets, never dropped; data the client itself held back keeps the watermark rule.
 */
class LateFoldTest {
  private static final long S = 1000;
  private static final long T0 = 1_800_000_000_000L;

  private final ManualClock clock = ManualClock.at(T0 + 300 * S);
  private final WindowAggregator windows = new WindowAggregator("i-1", WindowSettings.defaults(), clock);
  private final ClusterLatencyView view = new ClusterLatencyView(Duration.ofHours(1));

  private List<WindowPane> publish() {
    PaneBatch batch = windows.collect();
    batch.commit();
    batch.panes().forEach(view::accept);
    return batch.panes();
  }

  @Test
  void dataTheOutageDelayedIsFoldedIntoItsClosedBucketAsALatePart() {
    long now = clock.millis();
    // before the outage: traffic at 180 s, its bucket published final once the watermark passed it
    windows.recordLatency(Stage.INFERENCE, "server", 500, T0 + 181 * S, T0 + 181 * S, now);
    windows.count(CounterCatalog.forEventType("session.stale_event_ignored").get(0).metric(), Map.of(),
        T0 + 182 * S, T0 + 182 * S, now);
    windows.recordLatency(Stage.INFERENCE, "server", 450, T0 + 300 * S, T0 + 300 * S, now);
    assertThat(publish()).anyMatch(p -> p.finalPane() && p.bucketStart().toEpochMilli() == T0 + 180 * S);
    assertThat(windows.openBuckets()).isEqualTo(1);

    // the backlog of the outage arrives: recorded at 185 s, consumed now (two minutes later)
    WindowAggregator.Outcome outcome =
        windows.recordLatency(Stage.INFERENCE, "server", 700, T0 + 184 * S, T0 + 185 * S, now);
    assertThat(outcome).isEqualTo(WindowAggregator.Outcome.FOLDED);
    String stale = CounterCatalog.forEventType("session.stale_event_ignored").get(0).metric();
    assertThat(windows.count(stale, Map.of(), T0 + 186 * S, T0 + 187 * S, now))
        .isEqualTo(WindowAggregator.Outcome.FOLDED);

    List<WindowPane> late = publish();
    List<WindowPane> parts = late.stream().filter(WindowPane::latePart).toList();
    assertThat(parts).hasSize(2).allMatch(WindowPane::finalPane)
        .allMatch(p -> p.bucketStart().toEpochMilli() == T0 + 180 * S)
        .allMatch(p -> WindowPane.publisher(p.instanceId()).equals("i-1"));
    assertThat(parts).extracting(WindowPane::metric).containsExactlyInAnyOrder("latency.inference", stale);
    assertThat(windows.pendingLateParts()).isZero();

    // readers add the part to the bucket: both inference samples of 180 s count, one instance
    ClusterLatencyView.View v = view.view(Duration.ofMinutes(5));
    assertThat(v.stage(Stage.INFERENCE).count()).isEqualTo(3);
    assertThat(v.instances()).isEqualTo(1);
  }

  @Test
  void dataTheClientHeldBackKeepsTheWatermarkRule() {
    long now = clock.millis();
    windows.recordLatency(Stage.CAPTURE, "web", 40, T0 + 300 * S, T0 + 300 * S, now);
    // happened at 184 s, first recorded by the suite at 290 s: the client sent it 106 s late
    assertThat(windows.recordLatency(Stage.CAPTURE, "web", 40, T0 + 184 * S, T0 + 290 * S, now))
        .isEqualTo(WindowAggregator.Outcome.LATE);
    assertThat(windows.pendingLateParts()).isZero();
    // without a recorded_at (a caller that cannot tell), the same
    assertThat(windows.recordLatency(Stage.CAPTURE, "web", 40, T0 + 184 * S, now))
        .isEqualTo(WindowAggregator.Outcome.LATE);
  }

  @Test
  void aLatePartWhosePublicationFailedIsPublishedAgainNotLost() {
    long now = clock.millis();
    windows.recordLatency(Stage.INFERENCE, "server", 450, T0 + 300 * S, T0 + 300 * S, now);
    windows.recordLatency(Stage.INFERENCE, "server", 700, T0 + 100 * S, T0 + 101 * S, now);
    PaneBatch failed = windows.collect();
    assertThat(failed.panes()).anyMatch(WindowPane::latePart);
    failed.abort();
    assertThat(windows.hasWork()).isTrue();
    PaneBatch again = windows.collect();
    WindowPane part = again.panes().stream().filter(WindowPane::latePart).findFirst().orElseThrow();
    assertThat(part.paneVersion()).isEqualTo(windows.versionEpoch() + 2);
    assertThat(part.series().get(0).value()).isEqualTo(1);
    again.commit();
    assertThat(windows.pendingLateParts()).isZero();
  }

  @Test
  void beyondTheHorizonNothingIsKeptEvenIfTheSuiteWasLate() {
    long now = clock.millis();
    windows.recordLatency(Stage.INFERENCE, "server", 450, T0 + 300 * S, T0 + 300 * S, now);
    long twoHoursAgo = now - Duration.ofHours(2).toMillis();
    assertThat(windows.recordLatency(Stage.INFERENCE, "server", 1, twoHoursAgo, twoHoursAgo, now))
        .isEqualTo(WindowAggregator.Outcome.LATE);
  }

  @Test
  void dataTheSuiteRefusedDuringAnOutageIsFoldedWhenTheClientsRetryBringsIt() {
    OutageCredit outages = new OutageCredit(30 * S, 60 * S, 300 * S);
    WindowAggregator withOutages = new WindowAggregator("i-1", WindowSettings.defaults(), clock, outages);
    String interrupts = CounterCatalog.forEventType("session.interrupted").get(0).metric();
    long now = clock.millis();
    // Kafka refused writes from 170 s to 290 s; traffic resumed at 300 s
    outages.down(T0 + 170 * S);
    outages.up(T0 + 290 * S);
    withOutages.recordLatency(Stage.INFERENCE, "server", 450, T0 + 300 * S, T0 + 300 * S, now);
    withOutages.collect().commit();
    // an interrupt of 165 s, refused (503) and accepted on the retry at 295 s: 130 s late, the suite's doing
    assertThat(withOutages.count(interrupts, Map.of(), T0 + 165 * S, T0 + 295 * S, now))
        .isEqualTo(WindowAggregator.Outcome.FOLDED);
    assertThat(withOutages.recordLatency(Stage.INFERENCE, "server", 700, T0 + 175 * S, T0 + 295 * S, now))
        .isEqualTo(WindowAggregator.Outcome.FOLDED);
    // an event the client held since 120 s, before the lateness of the first refusal: dropped
    assertThat(withOutages.count(interrupts, Map.of(), T0 + 120 * S, T0 + 295 * S, now))
        .isEqualTo(WindowAggregator.Outcome.LATE);
    assertThat(withOutages.outageExcused()).isEqualTo(2);

    PaneBatch batch = withOutages.collect();
    List<WindowPane> parts = batch.panes().stream().filter(WindowPane::latePart).toList();
    assertThat(parts).extracting(p -> p.bucketStart().toEpochMilli())
        .containsExactlyInAnyOrder(T0 + 160 * S, T0 + 170 * S);
    batch.commit();
    // without the outage the same interrupt would be the client's lateness
    assertThat(windows.count(interrupts, Map.of(), T0 + 300 * S, T0 + 300 * S, now))
        .isEqualTo(WindowAggregator.Outcome.RECORDED);
    assertThat(windows.count(interrupts, Map.of(), T0 + 165 * S, T0 + 295 * S, now))
        .isEqualTo(WindowAggregator.Outcome.LATE);
  }
}
