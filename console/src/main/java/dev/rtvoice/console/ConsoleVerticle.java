package dev.rtvoice.console;

import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.http.HttpEdge;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.console.api.ApiProxy;
import dev.rtvoice.console.api.ConsoleRoutes;
import dev.rtvoice.console.api.CounterRoutes;
import dev.rtvoice.console.api.HistoryRoutes;
import dev.rtvoice.console.config.ConsoleConfig;
import dev.rtvoice.console.domain.ClusterCounters;
import dev.rtvoice.console.domain.LatencyHistory;
import dev.rtvoice.console.kafka.MetricWindowsFeed;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's HTTP server: the page at {@code /}, the client library's ES modules at
 * {@code /client/*}, health and metrics, and {@code /api/{token,session,metrics,alerting}/**}
 * forwarded to the services, so the page and apps served from here need no CORS; and the suite's
 * counters merged over every metrics-service instance ({@code /console/counters.json}) and the last
 * hour of them and of each stage's p95 ({@code /console/history.json}), read from Kafka.
 */
public final class ConsoleVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleVerticle.class);
  /** The longest counter window, and the late panes of its first buckets. */
  private static final Duration RETAINED = CounterRoutes.LONGEST.plusMinutes(5);
  /** Parts held at most: ~25 counters (and their splits) x 390 buckets x ~10 instances and late parts. */
  private static final int MAX_PARTS = 100_000;
  private static final long RETRY_MS = 5_000;
  /** (instance, bucket) keys of one stage in one history step: 6 buckets a minute x ~100 instances and late parts. */
  private static final int MAX_KEYS_PER_STEP = 1_000;
  private final ConsoleConfig config;
  private final PrometheusMeterRegistry registry;
  private HttpServer server;
  private ApiProxy proxy;
  private ClusterCounters counters;
  private LatencyHistory latency;
  private MetricWindowsFeed feed;
  private volatile boolean stopping;

  public ConsoleVerticle(ConsoleConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    JsonErrors.install(router);
    // the console does not depend on the services to be ready: it is the tool to see that they are not
    HealthRoutes.mount(router, registry, List.of());
    proxy = new ApiProxy(vertx, config, registry);
    proxy.mount(router);
    // the counters of every metrics-service instance, not of the one the proxy happens to reach
    counters = new ClusterCounters(RETAINED.toMillis(), MAX_PARTS);
    latency = new LatencyHistory(HistoryRoutes.STEP.toMillis(), RETAINED.toMillis(), MAX_KEYS_PER_STEP);
    new CounterRoutes(counters, () -> feed != null && feed.caughtUp()).mount(router);
    new HistoryRoutes(counters, latency, () -> feed != null && feed.caughtUp(), System::currentTimeMillis).mount(router);
    followWindows();
    ConsoleRoutes.mount(router, config);
    server = HttpEdge.server(vertx, new HttpServerOptions().setHost(config.host()).setPort(config.port())
        .setCompressionSupported(true), router);
    return server.listen();
  }

  /**
   * The page works without Kafka; the counters come once it answers (tried again until then: the
   * same panes read twice count once).
   */
  private void followWindows() {
    feed = new MetricWindowsFeed(vertx, config.kafka(), config.topics().metricsWindows(),
        System.currentTimeMillis() - RETAINED.toMillis(), counters, latency, registry);
    feed.start().onFailure(e -> {
      if (!stopping) {
        LOG.warn("cannot read {} yet ({}); counters unavailable, retrying", config.topics().metricsWindows(),
            e.getMessage());
        feed.stop().onComplete(ar -> {
          if (!stopping) {
            vertx.setTimer(RETRY_MS, t -> followWindows());
          }
        });
      }
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.compose(v -> proxy == null ? Future.succeededFuture() : proxy.close())
        .eventually(() -> feed == null ? Future.succeededFuture() : feed.stop());
  }

  /** The port actually bound (CONSOLE_PORT=0 picks a free one). */
  public int port() {
    return server.actualPort();
  }
}
