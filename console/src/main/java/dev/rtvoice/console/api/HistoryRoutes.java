package dev.rtvoice.console.api;

import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.console.domain.ClusterCounters;
import dev.rtvoice.console.domain.LatencyHistory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * {@code GET /console/history.json?window=1h}: the charts' data, one point per step (a minute) over
 * the last {@code window} (15m or 1h, default 1h) of the console's clock, the current minute last:
 * per stage the p95 and sample count of the step's samples merged over every metrics-service
 * instance, and per counter its increase in the step, summed over instances (a step without panes
 * is null for latency, 0 for counters). At most {@link #MAX_COUNTER_SERIES} counter series, by name.
 * 503 {@code history_unavailable} until the windows topic was read up to where it was at start.
 */
public final class HistoryRoutes {
  public static final Map<String, Duration> WINDOWS = Map.of("15m", Duration.ofMinutes(15), "1h", Duration.ofHours(1));
  public static final Duration STEP = Duration.ofMinutes(1);
  /** Bounds the answer (about 60 KiB at most) whatever the topic holds. */
  public static final int MAX_COUNTER_SERIES = 64;

  private final ClusterCounters counters;
  private final LatencyHistory latency;
  private final BooleanSupplier caughtUp;
  private final LongSupplier clock;

  /** The data is fed on the console verticle's context, where these requests are served too. */
  public HistoryRoutes(ClusterCounters counters, LatencyHistory latency, BooleanSupplier caughtUp, LongSupplier clock) {
    this.counters = counters;
    this.latency = latency;
    this.caughtUp = caughtUp;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.get("/console/history.json").handler(this::history);
  }

  private void history(RoutingContext ctx) {
    List<String> asked = ctx.queryParam("window");
    String window = asked.isEmpty() ? "1h" : asked.get(0);
    Duration length = WINDOWS.get(window);
    if (length == null || asked.size() > 1) {
      throw ApiException.badRequest("window", "must be one of 15m, 1h");
    }
    if (!caughtUp.getAsBoolean()) {
      throw new ApiException(503, "history_unavailable",
          "the metric windows are still being read from Kafka (or Kafka cannot be reached)", null);
    }
    long step = STEP.toMillis();
    int count = (int) (length.toMillis() / step);
    long to = (Math.floorDiv(clock.getAsLong(), step) + 1) * step;
    long from = to - count * step;

    JsonArray time = new JsonArray();
    for (int i = 0; i < count; i++) {
      time.add((from + i * step) / 1000);
    }
    JsonObject stages = new JsonObject();
    for (String stage : LatencyHistory.STAGES) {
      JsonArray p95 = new JsonArray();
      JsonArray samples = new JsonArray();
      for (LatencyHistory.Point p : latency.points(stage, from, count)) {
        p95.add(p.count() == 0 ? null : Math.round(p.p95Ms() * 10) / 10.0);
        samples.add(p.count());
      }
      stages.put(stage, new JsonObject().put("p95_ms", p95).put("count", samples));
    }
    JsonObject byCounter = new JsonObject();
    counters.steps(from, count, step).entrySet().stream().limit(MAX_COUNTER_SERIES)
        .forEach(e -> byCounter.put(e.getKey(), toArray(e.getValue())));
    TreeSet<String> instances = new TreeSet<>(latency.instances());
    instances.addAll(counters.lastWindow(length.toMillis()).instances());
    ctx.response().putHeader("cache-control", "no-store");
    ctx.json(new JsonObject()
        .put("window", window)
        .put("step_s", step / 1000)
        .put("from", from / 1000)
        .put("to", to / 1000)
        .put("time", time)
        .put("instances", new JsonArray(List.copyOf(instances)))
        .put("latency", stages)
        .put("counters", byCounter));
  }

  private static JsonArray toArray(double[] values) {
    JsonArray out = new JsonArray();
    for (double v : values) {
      out.add(v);
    }
    return out;
  }
}
