package dev.rtvoice.metrics.api;

import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.metrics.domain.BudgetAnalyzer;
import dev.rtvoice.metrics.domain.BudgetRange;
import dev.rtvoice.metrics.domain.BudgetReport;
import dev.rtvoice.metrics.domain.ClusterCounterView;
import dev.rtvoice.metrics.domain.ClusterLatencyView;
import dev.rtvoice.metrics.domain.CounterCatalog;
import dev.rtvoice.metrics.domain.Stage;
import dev.rtvoice.metrics.domain.ViewWindow;
import dev.rtvoice.metrics.domain.WindowAggregator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/latency/budget?window=5m}: per stage count, p50, p95, p99, budget and verdict over
 * the merged view of every instance, and which part of first audio is to blame for an overrun, with
 * the false interruptions per session started over the same window.
 * {@code GET /v1/windows/status}: this instance's watermark and buckets, for operators.
 */
public final class LatencyRoutes {
  private final ClusterLatencyView view;
  private final ClusterCounterView counters;
  private final BudgetAnalyzer analyzer;
  private final WindowAggregator aggregator;
  private final String ingest;

  public LatencyRoutes(ClusterLatencyView view, ClusterCounterView counters, BudgetAnalyzer analyzer,
                       WindowAggregator aggregator, String ingest) {
    this.view = view;
    this.counters = counters;
    this.analyzer = analyzer;
    this.aggregator = aggregator;
    this.ingest = ingest;
  }

  public void mount(Router router) {
    router.get("/v1/latency/budget").handler(this::budget);
    router.get("/v1/windows/status").handler(this::status);
  }

  private void budget(RoutingContext ctx) {
    List<String> windows = ctx.queryParam("window");
    String name = windows.isEmpty() ? "5m" : windows.get(0);
    ViewWindow window = ViewWindow.fromWireName(name)
        .orElseThrow(() -> ApiException.badRequest("window", "must be one of 1m, 5m, 15m, 1h"));
    BudgetReport report = analyzer.analyze(view.view(window.length()));
    ctx.json(toJson(window, report).put("false_interruptions", falseInterruptions(counters.totals(window.length()))));
  }

  /**
   * False interruptions against sessions started, both summed over the same buckets of every
   * instance: {@code per_session} is their ratio, null before any session started in the window.
   */
  static JsonObject falseInterruptions(ClusterCounterView.Totals totals) {
    double count = totals.total(CounterCatalog.FALSE_INTERRUPTIONS);
    double sessions = totals.total(CounterCatalog.SESSIONS_STARTED);
    return new JsonObject()
        .put("count", (long) count)
        .put("sessions_started", (long) sessions)
        .put("per_session", sessions > 0 ? Math.round(count / sessions * 10_000) / 10_000.0 : null);
  }

  static JsonObject toJson(ViewWindow window, BudgetReport report) {
    JsonObject stages = new JsonObject();
    for (BudgetReport.StageReport s : report.stages()) {
      JsonObject stage = new JsonObject()
          .put("count", s.count())
          .put("p50_ms", ms(s.p50()))
          .put("p95_ms", ms(s.p95()))
          .put("p99_ms", ms(s.p99()));
      BudgetRange budget = s.budget();
      stage.put("budget_ms", budget == null ? null
          : new JsonObject().put("target", budget.targetMs()).put("max", budget.maxMs()));
      stage.put("verdict", s.verdict().wireName());
      stages.put(s.stage().wireName(), stage);
    }
    JsonArray groups = new JsonArray();
    for (BudgetReport.GroupReport g : report.groups()) {
      groups.add(new JsonObject()
          .put("group", g.group())
          .put("stages", new JsonArray(g.stages().stream().map(Stage::wireName).toList()))
          .put("value_ms", ms(g.valueMs()))
          .put("budget_ms", ms(g.budgetMs()))
          .put("over_ms", ms(g.overMs())));
    }
    boolean empty = report.windowEndMs() == 0;
    return new JsonObject()
        .put("window", window.wireName())
        .put("window_start", empty ? null : Instant.ofEpochMilli(report.windowStartMs()).toString())
        .put("window_end", empty ? null : Instant.ofEpochMilli(report.windowEndMs()).toString())
        .put("instances", report.instances())
        .put("judged_quantile", report.quantile())
        .put("stages", stages)
        .put("first_audio_verdict", report.stage(Stage.FIRST_AUDIO).verdict().wireName())
        .put("groups", groups)
        .put("bottleneck", report.bottleneck());
  }

  private void status(RoutingContext ctx) {
    long watermark = aggregator.watermark();
    long maxEvent = aggregator.maxEventTime();
    long latest = view.latestBucketEnd();
    ctx.json(new JsonObject()
        .put("instance_id", aggregator.instanceId())
        .put("ingest", ingest)
        .put("bucket_ms", aggregator.settings().bucket().toMillis())
        .put("allowed_lateness_ms", aggregator.settings().allowedLateness().toMillis())
        .put("watermark", watermark == Long.MIN_VALUE ? null : Instant.ofEpochMilli(watermark).toString())
        .put("max_event_time", maxEvent == Long.MIN_VALUE ? null : Instant.ofEpochMilli(maxEvent).toString())
        .put("open_buckets", aggregator.openBuckets())
        .put("view_buckets", view.bucketCount())
        .put("view_latest_bucket_end", latest == Long.MIN_VALUE ? null : Instant.ofEpochMilli(latest).toString()));
  }

  /** Milliseconds to three decimals; no data is null (JSON has no NaN). */
  private static Double ms(double value) {
    return Double.isFinite(value) ? Math.round(value * 1000) / 1000.0 : null;
  }
}
