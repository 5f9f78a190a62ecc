package dev.rtvoice.console;

import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.http.HttpEdge;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.console.api.ApiProxy;
import dev.rtvoice.console.api.ConsoleRoutes;
import dev.rtvoice.console.config.ConsoleConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.List;

/**
 * The console's HTTP server: the page at {@code /}, the client library's ES modules at
 * {@code /client/*}, health and metrics, and {@code /api/{token,session,metrics,alerting}/**}
 * forwarded to the services, so the page and apps served from here need no CORS.
 */
public final class ConsoleVerticle extends VerticleBase {
  private final ConsoleConfig config;
  private final PrometheusMeterRegistry registry;
  private HttpServer server;
  private ApiProxy proxy;

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
    ConsoleRoutes.mount(router, config);
    server = HttpEdge.server(vertx, new HttpServerOptions().setHost(config.host()).setPort(config.port())
        .setCompressionSupported(true), router);
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.compose(v -> proxy == null ? Future.succeededFuture() : proxy.close());
  }

  /** The port actually bound (CONSOLE_PORT=0 picks a free one). */
  public int port() {
    return server.actualPort();
  }
}
