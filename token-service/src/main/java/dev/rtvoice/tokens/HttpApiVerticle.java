package dev.rtvoice.tokens;

import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.health.SharedDependency;
import dev.rtvoice.common.http.HttpEdge;
import dev.rtvoice.tokens.api.ApiRouter;
import dev.rtvoice.tokens.api.ApiServices;
import dev.rtvoice.tokens.config.TokenServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's share of the HTTP API: its own server and router (instances share the port,
 * Vert.x spreads connections between them); everything behind the router is shared.
 */
final class HttpApiVerticle extends VerticleBase {
  private final TokenServiceConfig config;
  private final int port;
  private final OpenAPIContract contract;
  private final SharedServices shared;
  private final List<ReadinessCheck> readiness;
  private final List<SharedDependency> sharedDependencies;
  private HttpServer server;

  HttpApiVerticle(TokenServiceConfig config, int port, OpenAPIContract contract, SharedServices shared,
                  List<ReadinessCheck> readiness, List<SharedDependency> sharedDependencies) {
    this.config = config;
    this.port = port;
    this.contract = contract;
    this.shared = shared;
    this.readiness = readiness;
    this.sharedDependencies = sharedDependencies;
  }

  @Override
  public Future<?> start() {
    ApiServices services = new ApiServices(shared.authenticator(), shared.minter(), shared.limiter(), shared.events(),
        shared.metrics(), shared.ids(), shared.clock(), shared.writer(), shared.families(), shared.ledger());
    var router = ApiRouter.create(vertx, contract, config, services, shared.registry(), readiness,
        sharedDependencies);
    return HttpEdge.server(vertx, new HttpServerOptions()
            .setHost(config.host())
            .setPort(port)
            .setMaxHeaderSize(16 * 1024)
            .setCompressionSupported(false), router)
        .listen()
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    // lets requests in flight finish (their upstream calls included) before the connections close
    Future<Void> drained = server == null ? Future.succeededFuture() : server.shutdown(10, TimeUnit.SECONDS);
    return drained;
  }

  int actualPort() {
    return server.actualPort();
  }
}
