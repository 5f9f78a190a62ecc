package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WindowAggregatorTest {
  private static final long S = 1000;
  /** A base far from the epoch, aligned to 10 s. */
  private static final long T0 = 1_800_000_000_000L;

  private final ManualClock clock = ManualClock.at(T0 + 100 * S);
  private final WindowAggregator windows = new WindowAggregator("i-1", WindowSettings.defaults(), clock);

  private WindowAggregator.Outcome sample(Stage stage, double ms, long atSeconds) {
    return windows.recordLatency(stage, "web", ms, T0 + atSeconds * S, clock.millis());
  }

  private static WindowPane pane(List<WindowPane> panes, String metric, long bucketStartSeconds) {
    return panes.stream()
        .filter(p -> p.metric().equals(metric) && p.bucketStart().toEpochMilli() == T0 + bucketStartSeconds * S)
        .findFirst().orElseThrow(() -> new AssertionError("no pane " + metric + "@" + bucketStartSeconds));
  }

  private static long count(WindowPane pane) {
    return (long) pane.series().stream().mapToDouble(WindowPane.Series::value).sum();
  }

  @Test
  void outOfOrderSamplesWithinTheLatenessLandInTheBucketOfTheirEventTime() {
    assertThat(sample(Stage.FIRST_AUDIO, 900, 105)).isEqualTo(WindowAggregator.Outcome.RECORDED);
    assertThat(sample(Stage.FIRST_AUDIO, 950, 95)).isEqualTo(WindowAggregator.Outcome.RECORDED);
    assertThat(sample(Stage.FIRST_AUDIO, 1000, 101)).isEqualTo(WindowAggregator.Outcome.RECORDED);
    // watermark = 105 - 30 = 75: 78 s is late but within the lateness
    assertThat(sample(Stage.FIRST_AUDIO, 1200, 78)).isEqualTo(WindowAggregator.Outcome.RECORDED);
    assertThat(windows.watermark()).isEqualTo(T0 + 75 * S);

    PaneBatch batch = windows.collect();
    List<WindowPane> panes = batch.panes();
    assertThat(panes).hasSize(3).allMatch(p -> !p.finalPane());
    assertThat(count(pane(panes, "latency.first_audio", 100))).isEqualTo(2);
    assertThat(count(pane(panes, "latency.first_audio", 90))).isEqualTo(1);
    WindowPane seventy = pane(panes, "latency.first_audio", 70);
    assertThat(count(seventy)).isEqualTo(1);
    assertThat(seventy.bucketEnd().toEpochMilli()).isEqualTo(T0 + 80 * S);
    assertThat(seventy.series().get(0).sketch().quantile(0.5)).isCloseTo(1200, org.assertj.core.data.Percentage.withPercentage(1));
  }

  @Test
  void samplesBehindTheWatermarkAreDroppedAndCountedNeverFoldedIntoAnotherBucket() {
    clock.set(T0 + 200 * S);
    sample(Stage.UPLINK, 100, 200); // watermark 170
    assertThat(sample(Stage.UPLINK, 100, 169)).isEqualTo(WindowAggregator.Outcome.LATE);
    assertThat(sample(Stage.CAPTURE, 100, 150)).isEqualTo(WindowAggregator.Outcome.LATE);

    List<WindowPane> panes = windows.collect().panes();
    assertThat(panes).noneMatch(p -> p.bucketStart().toEpochMilli() < T0 + 200 * S);
    assertThat(count(pane(panes, "latency.uplink", 200))).isEqualTo(1);
    WindowPane dropped = pane(panes, CounterCatalog.SAMPLES_DROPPED, 200);
    assertThat(dropped.kind()).isEqualTo(WindowPane.Kind.COUNTER);
    Map<String, Double> byStage = dropped.series().stream()
        .collect(Collectors.toMap(s -> s.labels().get("stage"), WindowPane.Series::value));
    assertThat(byStage).containsExactlyInAnyOrderEntriesOf(Map.of("uplink", 1.0, "capture", 1.0));
  }

  @Test
  void theFinalPaneOfABucketComesWhenTheWatermarkPassesItsEndThenTheBucketIsReleased() {
    sample(Stage.INFERENCE, 400, 100);
    windows.count("interrupt_total", Map.of(), T0 + 101 * S, clock.millis());
    PaneBatch first = windows.collect();
    assertThat(first.panes()).hasSize(2)
        .allMatch(p -> !p.finalPane() && p.paneVersion() == windows.versionEpoch() + 1);
    first.commit();

    clock.set(T0 + 141 * S);
    sample(Stage.INFERENCE, 500, 139); // watermark 109: bucket [100, 110) still open
    PaneBatch second = windows.collect();
    assertThat(second.panes()).allMatch(p -> !p.finalPane());
    second.commit();

    sample(Stage.INFERENCE, 450, 140); // watermark 110 = the bucket's end
    PaneBatch closing = windows.collect();
    List<WindowPane> finals = closing.panes().stream().filter(WindowPane::finalPane).toList();
    assertThat(finals).extracting(WindowPane::metric).containsExactlyInAnyOrder("latency.inference", "interrupt_total");
    assertThat(finals).allMatch(p -> p.bucketStart().toEpochMilli() == T0 + 100 * S
        && p.paneVersion() == windows.versionEpoch() + 2);
    assertThat(count(pane(finals, "latency.inference", 100))).isEqualTo(1);
    assertThat(windows.openBuckets()).isEqualTo(3); // [100, 110) closing, [130, 140) and [140, 150) open
    closing.commit();
    assertThat(windows.openBuckets()).isEqualTo(2);
    assertThat(windows.collect().panes()).isEmpty();
  }

  @Test
  void earlyPanesCarryOnlyWhatChangedAndVersionsGrowPerBucketAcrossMetrics() {
    sample(Stage.CAPTURE, 50, 100);
    sample(Stage.PLAYBACK, 90, 100);
    PaneBatch one = windows.collect();
    assertThat(one.panes()).extracting(WindowPane::paneVersion).containsOnly(windows.versionEpoch() + 1);
    one.commit();
    assertThat(windows.collect().panes()).as("nothing changed: no pane").isEmpty();

    windows.count(CounterCatalog.ROTATE_FAIL, Map.of("reason", "upstream_5xx"), T0 + 102 * S, clock.millis());
    PaneBatch two = windows.collect();
    assertThat(two.panes()).singleElement().satisfies(p -> {
      assertThat(p.metric()).isEqualTo(CounterCatalog.ROTATE_FAIL);
      // a collect with nothing to publish uses no version
      assertThat(p.paneVersion()).isEqualTo(windows.versionEpoch() + 2);
      assertThat(p.series().get(0).labels()).isEqualTo(Map.of("reason", "upstream_5xx"));
      assertThat(p.series().get(0).value()).isEqualTo(1);
    });
    two.commit();

    sample(Stage.PLAYBACK, 95, 103);
    assertThat(windows.collect().panes()).singleElement()
        .satisfies(p -> assertThat(p.metric()).isEqualTo("latency.playback"));
  }

  @Test
  void aFailedPublishIsPublishedAgainWithANewerVersion() {
    sample(Stage.DOWNLINK, 60, 100);
    PaneBatch failed = windows.collect();
    failed.abort();
    PaneBatch retry = windows.collect();
    assertThat(retry.panes()).singleElement().satisfies(p -> {
      assertThat(p.metric()).isEqualTo("latency.downlink");
      assertThat(p.paneVersion()).isGreaterThan(failed.panes().get(0).paneVersion());
    });
    retry.commit();

    clock.set(T0 + 200 * S);
    sample(Stage.DOWNLINK, 60, 200); // closes bucket 100
    PaneBatch closing = windows.collect();
    assertThat(closing.finalBuckets()).isEqualTo(1);
    closing.abort();
    assertThat(windows.openBuckets()).isEqualTo(2);
    PaneBatch again = windows.collect();
    assertThat(again.panes()).anyMatch(p -> p.finalPane() && p.bucketStart().toEpochMilli() == T0 + 100 * S);
    again.commit();
    assertThat(windows.openBuckets()).isEqualTo(1);
  }

  @Test
  void zeroThresholdCountersAskForAnImmediatePublish() {
    windows.count("interrupt_total", Map.of(), T0 + 100 * S, clock.millis());
    assertThat(windows.immediatePending()).isFalse();
    windows.count(CounterCatalog.UPSTREAM_AUTH_REJECTED, Map.of("status", "401"), T0 + 100 * S, clock.millis());
    assertThat(windows.immediatePending()).isTrue();
    windows.collect().abort();
    assertThat(windows.immediatePending()).as("kept until published").isTrue();
    windows.collect().commit();
    assertThat(windows.immediatePending()).isFalse();
  }

  @Test
  void whenEventsStopTheWatermarkFollowsTheWallClockAfterTheIdleTimeout() {
    sample(Stage.FIRST_AUDIO, 800, 100);
    windows.collect().commit();
    clock.set(T0 + 139 * S); // 39 s idle: 29 s beyond the 10 s idle timeout, watermark 100 - 30 + 29 = 99
    assertThat(windows.hasWork()).isFalse();
    clock.set(T0 + 151 * S); // watermark 111
    assertThat(windows.watermark()).isEqualTo(T0 + 111 * S);
    assertThat(windows.hasWork()).isTrue();
    PaneBatch closing = windows.collect();
    assertThat(closing.panes()).singleElement().satisfies(p -> assertThat(p.finalPane()).isTrue());
    closing.commit();
    assertThat(windows.openBuckets()).isZero();
    // the watermark never goes back when a real event arrives behind the idle estimate
    assertThat(sample(Stage.FIRST_AUDIO, 800, 112)).isEqualTo(WindowAggregator.Outcome.RECORDED);
    assertThat(windows.watermark()).isEqualTo(T0 + 111 * S);
  }

  @Test
  void eventsFromTheFutureOrBeyondTheHorizonNeverMoveTheWindows() {
    assertThat(sample(Stage.UPLINK, 10, 100 + 11)).isEqualTo(WindowAggregator.Outcome.FUTURE);
    assertThat(windows.watermark()).isEqualTo(Watermark.NONE);
    assertThat(sample(Stage.UPLINK, 10, 100 - 3631)).isEqualTo(WindowAggregator.Outcome.LATE);
    assertThat(windows.count("ice_restart_total", Map.of(), T0 + 200 * S, clock.millis()))
        .isEqualTo(WindowAggregator.Outcome.FUTURE);
    assertThat(windows.openBuckets()).isZero();
  }

  @Test
  void platformAndCounterLabelsAreCappedWithOverflowInOther() {
    WindowAggregator capped = new WindowAggregator("i-1",
        WindowSettings.defaults().withPlatforms(2, Set.of()), clock);
    for (String platform : List.of("web-chrome", "ios", "android", "web-safari", "ios")) {
      capped.recordLatency(Stage.CAPTURE, platform, 40, T0 + 100 * S, clock.millis());
    }
    WindowPane pane = capped.collect().panes().get(0);
    Map<String, Double> byPlatform = pane.series().stream()
        .collect(Collectors.toMap(s -> s.labels().get("platform"), WindowPane.Series::value));
    assertThat(byPlatform).containsExactlyInAnyOrderEntriesOf(Map.of("web-chrome", 1.0, "ios", 2.0, "other", 2.0));

    WindowAggregator allow = new WindowAggregator("i-1",
        WindowSettings.defaults().withPlatforms(16, Set.of("android")), clock);
    allow.recordLatency(Stage.CAPTURE, "web-chrome", 40, T0 + 100 * S, clock.millis());
    allow.recordLatency(Stage.CAPTURE, "android", 40, T0 + 100 * S, clock.millis());
    assertThat(allow.platformLabel("web-chrome")).isEqualTo("other");
    assertThat(allow.collect().panes().get(0).series()).extracting(s -> s.labels().get("platform"))
        .containsExactlyInAnyOrder("other", "android");

    for (int i = 0; i < 100; i++) {
      windows.count("reconnect_total", Map.of("class", "transport", "reason", "client-said-" + i), T0 + 100 * S,
          clock.millis());
    }
    WindowPane reconnects = windows.collect().panes().get(0);
    assertThat(reconnects.series()).hasSize(33); // 32 reasons kept, the rest in other
    assertThat(reconnects.series().stream().mapToDouble(WindowPane.Series::value).sum()).isEqualTo(100);
  }

  @Test
  void aPaneOfManyWidelySpreadPlatformsStillFitsOneEvent() {
    Random random = new Random(3);
    for (int p = 0; p < 16; p++) {
      for (int i = 0; i < 20_000; i++) {
        // log-uniform over 0.001 ms .. 120 s: the widest sketch a client can force
        double ms = Math.exp(Math.log(0.001) + random.nextDouble() * (Math.log(120_000) - Math.log(0.001)));
        windows.recordLatency(Stage.FULL_TURN, "platform-" + p, ms, T0 + 100 * S, clock.millis());
      }
    }
    WindowPane pane = windows.collect().panes().get(0);
    assertThat(pane.series().stream().mapToDouble(WindowPane.Series::value).sum()).isEqualTo(16 * 20_000);
    assertThat(pane.series()).anyMatch(s -> s.labels().get("platform").equals("other"));
    EventEnvelope event = EventEnvelope.create(EventType.METRICS_WINDOW, null, pane.bucketEnd(), Instant.now(), "test",
        WindowPaneCodec.encode(pane));
    assertThat(EventCodec.encode(event).length()).isLessThanOrEqualTo(EventCodec.MAX_BYTES);
  }

  @Test
  void thirtySecondsOfLatenessKeepOnlyAFewBucketsOpenOverAnHourOfTraffic() {
    for (long t = 0; t < 3600; t++) {
      clock.set(T0 + t * S);
      sample(Stage.FIRST_AUDIO, 900, t);
      if (t % 5 == 0) {
        windows.collect().commit();
      }
      assertThat(windows.openBuckets()).isLessThanOrEqualTo(5);
    }
  }

  @Test
  void anInstanceRestartedUnderItsPinnedIdPublishesVersionsAboveThoseOfItsFormerLife() {
    // the first life publishes many early panes of one bucket
    long lastVersion = 0;
    for (int i = 0; i < 500; i++) {
      sample(Stage.CAPTURE, 10 + i, 101);
      PaneBatch b = windows.collect();
      lastVersion = b.panes().get(0).paneVersion();
      b.commit();
    }
    // SIGKILLed, restarted a second later with the same INSTANCE_ID: the bucket's panes start again
    clock.advance(Duration.ofSeconds(1));
    WindowAggregator restarted = new WindowAggregator("i-1", WindowSettings.defaults(), clock);
    restarted.recordLatency(Stage.CAPTURE, "web", 20, T0 + 101 * S, clock.millis());
    WindowPane first = restarted.collect().panes().get(0);
    assertThat(first.instanceId()).isEqualTo("i-1");
    assertThat(first.paneVersion()).isGreaterThan(lastVersion);
    // and the service publishes each life under an identity of its own, so readers add the two lives
    assertThat(WindowAggregator.incarnation("i-1", T0 + 100 * S))
        .isNotEqualTo(WindowAggregator.incarnation("i-1", clock.millis())).startsWith("i-1~");
    // microseconds since the epoch: exact in a JSON number (below 2^53) for centuries
    assertThat(first.paneVersion()).isLessThan(1L << 53);
  }
}
