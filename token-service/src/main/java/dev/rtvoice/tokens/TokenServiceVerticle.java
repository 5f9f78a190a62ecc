package dev.rtvoice.tokens;

import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.common.runtime.KafkaInfra;
import dev.rtvoice.tokens.config.TokenServiceConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;

/** token-service: HTTP API, health and metrics; its Kafka topics are created when missing. */
public final class TokenServiceVerticle extends VerticleBase {
  private final TokenServiceConfig config;
  private final PrometheusMeterRegistry registry;
  private KafkaInfra kafka;
  private HttpServer server;

  public TokenServiceVerticle(TokenServiceConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Topics topics = config.topics();
    List<dev.rtvoice.common.kafka.TopicSpec> owned = new ArrayList<>();
    owned.add(topics.spec(Topics.TOKEN_EVENTS));
    kafka = new KafkaInfra(vertx, config.kafka(), owned);
    kafka.provisionTopics();

    Router router = Router.router(vertx);
    HealthRoutes.mount(router, registry, List.of(kafka.readiness()));
    JsonErrors.install(router);
    return vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()))
        .requestHandler(router)
        .listen()
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> kafka.close());
  }

  public int port() {
    return server.actualPort();
  }
}
