package dev.rtvoice.console.api;

import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.console.domain.ClusterCounters;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /console/counters.json?window=1h}: the suite's counters over the last {@code window}
 * (5m, 15m or 1h; default 1h) of event time, merged from every metrics-service instance's panes:
 * {@code {"window", "window_start", "window_end", "instances": [...], "counters": {metric: total}}}.
 * 503 {@code counters_unavailable} while the windows topic has not been read up to where it was
 * at start (Kafka away, or still reading); 400 for another window.
 */
public final class CounterRoutes {
  public static final Map<String, Duration> WINDOWS = Map.of("5m", Duration.ofMinutes(5), "15m",
      Duration.ofMinutes(15), "1h", Duration.ofHours(1));
  /** The longest window: what the console keeps. */
  public static final Duration LONGEST = Duration.ofHours(1);

  private final ClusterCounters counters;
  private final BooleanSupplier caughtUp;

  /** {@code counters} is fed on the console verticle's context, where these requests are served too. */
  public CounterRoutes(ClusterCounters counters, BooleanSupplier caughtUp) {
    this.counters = counters;
    this.caughtUp = caughtUp;
  }

  public void mount(Router router) {
    router.get("/console/counters.json").handler(this::counters);
  }

  private void counters(RoutingContext ctx) {
    List<String> asked = ctx.queryParam("window");
    String window = asked.isEmpty() ? "1h" : asked.get(0);
    Duration length = WINDOWS.get(window);
    if (length == null || asked.size() > 1) {
      throw ApiException.badRequest("window", "must be one of 5m, 15m, 1h");
    }
    if (!caughtUp.getAsBoolean()) {
      throw new ApiException(503, "counters_unavailable",
          "the metric windows are still being read from Kafka (or Kafka cannot be reached)", null);
    }
    ClusterCounters.Totals t = counters.lastWindow(length.toMillis());
    JsonObject byMetric = new JsonObject();
    t.byMetric().forEach(byMetric::put);
    boolean empty = t.toMs() == 0;
    ctx.response().putHeader("cache-control", "no-store");
    ctx.json(new JsonObject()
        .put("window", window)
        .put("window_start", empty ? null : Instant.ofEpochMilli(t.fromMs()).toString())
        .put("window_end", empty ? null : Instant.ofEpochMilli(t.toMs()).toString())
        .put("instances", new JsonArray(List.copyOf(t.instances())))
        .put("counters", byMetric));
  }
}
