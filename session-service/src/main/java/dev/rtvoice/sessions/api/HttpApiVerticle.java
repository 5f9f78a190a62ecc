package dev.rtvoice.sessions.api;

import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.http.ApiDocument;
import dev.rtvoice.common.http.CrossOrigin;
import dev.rtvoice.common.http.HttpEdge;
import dev.rtvoice.common.http.JsonErrors;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's share of the HTTP API ({@code HTTP_INSTANCES} of them): its own server and router
 * on the shared port (Vert.x spreads the connections between the instances); the routes' state (rate
 * limits, Kafka gate, read view, producer, metrics) is one {@link SessionApiRoutes} shared by all, and
 * thread-safe. A request is handled start to end on the event loop of its connection, so the ingress
 * is no longer bounded by one core, and no longer shares its loop with the owner's batches.
 */
public final class HttpApiVerticle extends VerticleBase {
  private static final long DRAIN_SECONDS = 5;

  private final String host;
  private final int port;
  private final List<String> corsOrigins;
  private final SessionApiRoutes routes;
  private final PrometheusMeterRegistry registry;
  private final List<ReadinessCheck> checks;
  private HttpServer server;

  /**
   * @param port the port to bind; several instances asking for the same port share it (a negative
   *     port is Vert.x's shared random port: the same negative number, one random port)
   */
  public HttpApiVerticle(String host, int port, List<String> corsOrigins, SessionApiRoutes routes,
                         PrometheusMeterRegistry registry, List<ReadinessCheck> checks) {
    this.host = host;
    this.port = port;
    this.corsOrigins = corsOrigins;
    this.routes = routes;
    this.registry = registry;
    this.checks = checks;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(CrossOrigin.handler(corsOrigins));
    HealthRoutes.mount(router, registry, checks);
    ApiDocument.mount(router, "session-service");
    routes.mount(router);
    JsonErrors.install(router);
    return HttpEdge.server(vertx, new HttpServerOptions().setHost(host).setPort(port), router)
        .listen()
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    // requests in flight get their answer (their Kafka write is bounded by REQUEST_DEADLINE)
    return server == null ? Future.succeededFuture() : server.shutdown(DRAIN_SECONDS, TimeUnit.SECONDS);
  }

  /** The port bound (the shared random one when asked for a negative port). */
  public int actualPort() {
    return server.actualPort();
  }
}
