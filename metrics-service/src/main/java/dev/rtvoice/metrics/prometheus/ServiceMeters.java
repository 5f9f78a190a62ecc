package dev.rtvoice.metrics.prometheus;

import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.domain.CounterCatalog;
import dev.rtvoice.metrics.domain.CounterDefinition;
import dev.rtvoice.metrics.domain.LatencyBudgets;
import dev.rtvoice.metrics.domain.Rejection;
import dev.rtvoice.metrics.domain.Stage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
  private final double[] slosSeconds;
  private final Map<String, DistributionSummary> histograms = new HashMap<>();
  private final Map<String, Counter> counters = new HashMap<>();
  private final double[] p95Seconds = new double[Stage.values().length];

  public ServiceMeters(MeterRegistry registry, LatencyBudgets budgets) {
    this.registry = registry;
    TreeSet<Double> bounds = budgets.boundsMs();
    for (double b : EXTRA_BOUNDS_MS) {
      bounds.add(b);
    }
    this.slosSeconds = bounds.stream().mapToDouble(ms -> ms / 1000.0).toArray();
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
      if (def.labels().isEmpty()) {
        counter(def.baseName(), Map.of());
      } else if (def.labels().size() == 1) {
        for (String value : def.knownValues()) {
          counter(def.baseName(), Map.of(def.labels().get(0), value));
        }
      }
    }
    for (Stage stage : Stage.all()) {
      counter(CounterCatalog.SAMPLES_DROPPED.replace("_total", ""), Map.of("stage", stage.wireName()));
    }
    telemetryCounter("telemetry.samples.accepted", Tags.empty()).increment(0);
  }

  /** Gauges read from the aggregator and the view: open buckets, view buckets. */
  public <T> void gauge(String name, String description, T state, ToDoubleFunction<T> value) {
    Gauge.builder(name, state, value).description(description).register(registry);
  }

  public void recordLatency(Stage stage, String platformLabel, double valueMs) {
    String key = stage.wireName() + '|' + platformLabel;
    DistributionSummary summary = histograms.get(key);
    if (summary == null) {
      summary = DistributionSummary.builder("latency.stage")
          .description("Latency of one stage of a voice turn, of the samples this instance aggregated")
          .baseUnit("seconds")
          .tags("stage", stage.wireName(), "platform", platformLabel)
          .serviceLevelObjectives(slosSeconds)
          .register(registry);
      histograms.put(key, summary);
    }
    summary.record(valueMs / 1000.0);
  }

  public void count(CounterDefinition def, Map<String, String> labels) {
    counter(def.baseName(), labels).increment();
  }

  public void sampleDropped(Stage stage) {
    counter(CounterCatalog.SAMPLES_DROPPED.replace("_total", ""), Map.of("stage", stage.wireName())).increment();
  }

  public void lateEvent(String metric, String reason) {
    telemetryCounter("window.events.dropped", Tags.of("metric", metric, "reason", reason)).increment();
  }

  public void telemetry(int accepted, List<Rejection> rejections) {
    telemetryCounter("telemetry.samples.accepted", Tags.empty()).increment(accepted);
    for (Rejection r : rejections) {
      telemetryCounter("telemetry.samples.rejected", Tags.of("reason", r.reason().code())).increment();
    }
  }

  public void telemetryUnavailable(int samples) {
    telemetryCounter("telemetry.samples.unavailable", Tags.empty()).increment(samples);
  }

  public void pipelineSampleRejected(String reason) {
    telemetryCounter("pipeline.samples.rejected", Tags.of("reason", reason)).increment();
  }

  public void panesPublished(List<WindowPane> panes) {
    int finals = 0;
    for (WindowPane p : panes) {
      if (p.finalPane()) {
        finals++;
      }
    }
    telemetryCounter("window.panes.published", Tags.of("pane", "final")).increment(finals);
    telemetryCounter("window.panes.published", Tags.of("pane", "early")).increment(panes.size() - finals);
  }

  public void paneFlushFailed() {
    telemetryCounter("window.pane.flush.failures", Tags.empty()).increment();
  }

  public void paneSkipped() {
    telemetryCounter("window.panes.skipped", Tags.empty()).increment();
  }

  public void windowRecordInvalid() {
    telemetryCounter("window.records.invalid", Tags.empty()).increment();
  }

  /** The current p95 per stage (ms, NaN without data), from the merged view. */
  public void p95(Map<Stage, Double> p95Ms) {
    p95Ms.forEach((stage, ms) -> p95Seconds[stage.ordinal()] = ms / 1000.0);
  }

  private Counter counter(String baseName, Map<String, String> labels) {
    String key = baseName + labels;
    Counter c = counters.get(key);
    if (c == null) {
      List<io.micrometer.core.instrument.Tag> tags = new ArrayList<>();
      labels.forEach((k, v) -> tags.add(io.micrometer.core.instrument.Tag.of(k, v)));
      c = Counter.builder(baseName).tags(tags).register(registry);
      counters.put(key, c);
    }
    return c;
  }

  private Counter telemetryCounter(String name, Tags tags) {
    String key = name + tags;
    Counter c = counters.get(key);
    if (c == null) {
      c = Counter.builder(name).tags(tags).register(registry);
      counters.put(key, c);
    }
    return c;
  }
}
