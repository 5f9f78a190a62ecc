package dev.rtvoice.metrics.prometheus;

import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.domain.CounterCatalog;
import dev.rtvoice.metrics.domain.CounterDefinition;
import dev.rtvoice.metrics.domain.LatencyBudgets;
import dev.rtvoice.metrics.domain.Rejection;
import dev.rtvoice.metrics.domain.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * What metrics-service shows Prometheus on {@code /metrics}, all under stable names:
 * <ul>
 *   <li>{@code latency_stage_seconds{stage,platform}}: a histogram per stage whose buckets sit on
 *       every budget bound (so "share of first audio within 1.5 s" is one bucket ratio), of the
 *       samples this instance aggregated;</li>
 *   <li>the counters of docs/events.md ({@code session_rotate_fail_total{reason}}, ...) as this
 *       instance counted them into its windows (sum them over instances);</li>
 *   <li>{@code latency_stage_p95_seconds{stage}}: the current p95 of the merged view of every
 *       instance (the same on each instance: take any, never sum);</li>
 *   <li>the service's own health: telemetry accepted and rejected by reason, dropped late samples,
 *       panes published, open buckets.</li>
 * </ul>
 * Seconds, not milliseconds, because {@code promtool check metrics} wants base units. Meters are
 * created once per label set and cached; called from the owning event loop only.
 */
public final class ServiceMeters {
  /** Bounds added to the budget bounds so the tail of a bad call is still resolved (ms). */
  private static final double[] EXTRA_BOUNDS_MS = {25, 400, 1000, 2000, 3000, 5000, 10_000, 30_000, 60_000, 120_000};

  private final MeterRegistry registry;
  private final Duration[] slos;
  /** Per stage, platform label to histogram: looked up per sample, so no key is built. */
  private final java.util.EnumMap<Stage, Map<String, Timer>> histograms = new java.util.EnumMap<>(Stage.class);
  private final Map<String, Counter> counters = new HashMap<>();
  private final double[] p95Seconds = new double[Stage.values().length];

  public ServiceMeters(MeterRegistry registry, LatencyBudgets budgets) {
    this.registry = registry;
    TreeSet<Double> bounds = budgets.boundsMs();
    for (double b : EXTRA_BOUNDS_MS) {
      bounds.add(b);
    }
    this.slos = bounds.stream().map(ms -> Duration.ofNanos(Math.round(ms * 1_000_000))).toArray(Duration[]::new);
    java.util.Arrays.fill(p95Seconds, Double.NaN);
    for (Stage stage : Stage.all()) {
      int i = stage.ordinal();
      Gauge.builder("latency.stage.p95", p95Seconds, values -> values[i])
          .description("p95 of the stage over the merged view of every instance (P95_GAUGE_WINDOW); NaN without data")
          .baseUnit("seconds")
          .tag("stage", stage.wireName())
          .register(registry);
    }
    // counters exist from the start (at 0), so rules and dashboards see them before the first event
    for (CounterDefinition def : CounterCatalog.all()) {
      for (Map<String, String> labels : def.initialLabelSets()) {
        count(def, labels, 0);
      }
    }
    for (Stage stage : Stage.all()) {
      counter(DROPPED, Tags.of("stage", stage.wireName()));
    }
    counter(ACCEPTED, Tags.empty());
    counter(LATE_FOLDED, Tags.of("kind", "latency"));
    counter(LATE_FOLDED, Tags.of("kind", "counter"));
    counter(BATCH_DUPLICATES, Tags.empty());
    counter(DEDUPE_EVICTED, Tags.empty());
  }

  /** A counter read from plain-Java state that counts by itself (e.g. what outages excused). */
  public <T> void functionCounter(String name, String description, T state, ToDoubleFunction<T> value) {
    io.micrometer.core.instrument.FunctionCounter.builder(name, state, value).description(description)
        .register(registry);
  }

  /** Gauges read from the aggregator and the view: open buckets, view buckets. */
  public <T> void gauge(String name, String description, T state, ToDoubleFunction<T> value) {
    Gauge.builder(name, state, value).description(description).register(registry);
  }

  public void recordLatency(Stage stage, String platformLabel, double valueMs) {
    Map<String, Timer> byPlatform = histograms.computeIfAbsent(stage, s -> new HashMap<>());
    Timer histogram = byPlatform.get(platformLabel);
    if (histogram == null) {
      // a Timer, not a DistributionSummary: the latter rounds values up to whole base units in its buckets
      histogram = Timer.builder("latency.stage")
          .description("Latency of one stage of a voice turn, of the samples this instance aggregated")
          .tags("stage", stage.wireName(), "platform", platformLabel)
          .serviceLevelObjectives(slos)
          .register(registry);
      byPlatform.put(platformLabel, histogram);
    }
    histogram.record(Math.round(valueMs * 1_000_000), TimeUnit.NANOSECONDS);
  }

  public void count(CounterDefinition def, Map<String, String> labels) {
    count(def, labels, 1);
  }

  private void count(CounterDefinition def, Map<String, String> labels, int increment) {
    String key = def.baseName() + labels;
    Counter c = counters.get(key);
    if (c == null) {
      List<Tag> tags = new ArrayList<>();
      labels.forEach((k, v) -> tags.add(Tag.of(k, v)));
      c = Counter.builder(def.baseName()).description(def.description()).tags(tags).register(registry);
      counters.put(key, c);
    }
    c.increment(increment);
  }

  public void sampleDropped(Stage stage) {
    counter(DROPPED, Tags.of("stage", stage.wireName())).increment();
  }

  public void lateEvent(String metric, String reason) {
    counter(EVENTS_DROPPED, Tags.of("metric", metric, "reason", reason)).increment();
  }

  /** A consumed event whose event_id was counted recently: a redelivered copy, skipped. */
  public void duplicateEvent(String topic) {
    counter(DUPLICATES, Tags.of("topic", topic)).increment();
  }

  /** Data behind the watermark through the suite's own delay, added to a late part of its bucket. */
  public void lateFolded(String kind) {
    counter(LATE_FOLDED, Tags.of("kind", kind)).increment();
  }

  /** Samples of a later copy of a telemetry batch chunk (a client's retry), skipped. */
  public void duplicateBatchSamples(int samples) {
    counter(BATCH_DUPLICATES, Tags.empty()).increment(samples);
  }

  /** Batch keys forgotten before their expiry because the memory was full. */
  public void dedupeEvicted(long keys) {
    if (keys > 0) {
      counter(DEDUPE_EVICTED, Tags.empty()).increment(keys);
    }
  }

  public void telemetry(int accepted, List<Rejection> rejections) {
    counter(ACCEPTED, Tags.empty()).increment(accepted);
    for (Rejection r : rejections) {
      counter(REJECTED, Tags.of("reason", r.reason().code())).increment();
    }
  }

  public void telemetryUnavailable(int samples) {
    counter(UNAVAILABLE, Tags.empty()).increment(samples);
  }

  public void pipelineSampleRejected(String reason) {
    counter(PIPELINE_REJECTED, Tags.of("reason", reason)).increment();
  }

  public void panesPublished(List<WindowPane> panes) {
    int finals = 0;
    for (WindowPane p : panes) {
      if (p.finalPane()) {
        finals++;
      }
    }
    counter(PANES, Tags.of("pane", "final")).increment(finals);
    counter(PANES, Tags.of("pane", "early")).increment(panes.size() - finals);
  }

  public void paneFlushFailed() {
    counter(FLUSH_FAILURES, Tags.empty()).increment();
  }

  public void paneSkipped() {
    counter(PANES_SKIPPED, Tags.empty()).increment();
  }

  public void windowRecordInvalid() {
    counter(RECORDS_INVALID, Tags.empty()).increment();
  }

  /** The current p95 per stage (ms, NaN without data), from the merged view. */
  public void p95(Map<Stage, Double> p95Ms) {
    p95Ms.forEach((stage, ms) -> p95Seconds[stage.ordinal()] = ms / 1000.0);
  }

  private Counter counter(Help help, Tags tags) {
    String key = help.name() + tags;
    Counter c = counters.get(key);
    if (c == null) {
      c = Counter.builder(help.name()).description(help.text()).tags(tags).register(registry);
      counters.put(key, c);
    }
    return c;
  }

  /** A counter's Micrometer name and help text. */
  private record Help(String name, String text) {}

  private static final Help DROPPED = new Help("latency_samples_dropped",
      "Late samples dropped by the watermark, by stage");
  private static final Help EVENTS_DROPPED = new Help("window.events.dropped",
      "Counted events outside the windows (late, or ahead of the clock), by metric");
  private static final Help DUPLICATES = new Help("pipeline.events.duplicate",
      "Consumed events skipped because their event_id was counted recently (a producer's redelivery), by topic");
  private static final Help LATE_FOLDED = new Help("window.late.folded",
      "Samples and counted events that reached a closed bucket through the suite's own delay, added to a late part");
  private static final Help BATCH_DUPLICATES = new Help("telemetry.samples.duplicate",
      "Samples of a retried telemetry batch that were already counted, skipped");
  private static final Help DEDUPE_EVICTED = new Help("telemetry.dedupe.evicted",
      "Telemetry batch keys forgotten before their expiry because the memory was full");
  private static final Help ACCEPTED = new Help("telemetry.samples.accepted", "Telemetry samples accepted");
  private static final Help REJECTED = new Help("telemetry.samples.rejected", "Telemetry samples rejected, by reason");
  private static final Help UNAVAILABLE = new Help("telemetry.samples.unavailable",
      "Telemetry samples answered 503 because they could not be made durable");
  private static final Help PIPELINE_REJECTED = new Help("pipeline.samples.rejected",
      "Samples from realtime.latency.samples dead-lettered, by reason");
  private static final Help PANES = new Help("window.panes.published", "Window panes published, early or final");
  private static final Help FLUSH_FAILURES = new Help("window.pane.flush.failures", "Pane flushes that failed and were retried");
  private static final Help PANES_SKIPPED = new Help("window.panes.skipped", "Panes that could not be encoded (a bug)");
  private static final Help RECORDS_INVALID = new Help("window.records.invalid",
      "Records on realtime.metrics.windows that could not be read");
}
