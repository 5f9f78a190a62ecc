package dev.rtvoice.alerting;

import dev.rtvoice.alerting.api.AlertsApi;
import dev.rtvoice.alerting.config.AlertingServiceConfig;
import dev.rtvoice.alerting.delivery.DeliveryVerticle;
import dev.rtvoice.alerting.delivery.NoticeBatch;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import dev.rtvoice.alerting.evaluation.EvaluationVerticle;
import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.http.ApiDocument;
import dev.rtvoice.common.http.CorsPolicy;
import dev.rtvoice.common.http.CrossOrigin;
import dev.rtvoice.common.http.HttpEdge;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.common.kafka.TopicSpec;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.common.runtime.KafkaInfra;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * alerting-service: provisions its topics, deploys delivery (which deploys the evaluation verticle as
 * its child, so evaluation stops first) and serves the HTTP API, health and metrics. Ready once Kafka answers,
 * the firing alerts were restored from {@code realtime.alerts} and the windows rebuilt.
 */
public final class AlertingServiceVerticle extends VerticleBase {
  private final AlertingServiceConfig config;
  private final List<RuleSpec> rules;
  private final PrometheusMeterRegistry registry;
  private final Clock clock;
  private final CorsPolicy cors;
  private KafkaInfra kafka;
  private EvaluationVerticle evaluation;
  private HttpServer server;

  public AlertingServiceVerticle(AlertingServiceConfig config, List<RuleSpec> rules, PrometheusMeterRegistry registry,
                                 Clock clock, CorsPolicy cors) {
    this.config = config;
    this.rules = List.copyOf(rules);
    this.registry = registry;
    this.clock = clock;
    this.cors = cors;
  }

  @Override
  public Future<?> start() {
    Topics topics = config.topics();
    List<TopicSpec> owned = new ArrayList<>();
    owned.addAll(topics.withDeadLetter(Topics.METRICS_WINDOWS));
    owned.add(topics.spec(Topics.ALERTS));
    if (!config.webhooks().isEmpty()) {
      // compacted, one partition: the notification log, whose partition is the delivery lease
      TopicSpec alerts = topics.spec(Topics.ALERTS);
      owned.add(new TopicSpec(topics.name(Topics.ALERT_NOTIFICATIONS), 1, alerts.replicationFactor(), -1, true));
    }
    kafka = new KafkaInfra(vertx, config.kafka(), owned);
    Future<Void> topicsReady = kafka.provisionTopics();
    registerCodec();

    evaluation = new EvaluationVerticle(config, rules, registry, clock, () -> topicsReady);
    DeliveryVerticle delivery = new DeliveryVerticle(config, registry, clock, List.of(evaluation), () -> topicsReady);

    Router router = Router.router(vertx);
    router.route().handler(CrossOrigin.handler(cors));
    HealthRoutes.mount(router, registry, List.of(kafka.readiness(), evaluationReadiness()));
    ApiDocument.mount(router, "alerting-service");
    AlertsApi.mount(router, vertx);
    JsonErrors.install(router);
    return vertx.deployVerticle(delivery)
        .compose(id -> HttpEdge.server(vertx, new HttpServerOptions().setHost(config.host()).setPort(config.port()),
                router)
            .listen())
        .onSuccess(s -> server = s);
  }

  /** Notice batches pass by reference between evaluation and delivery; registered once per Vert.x. */
  private void registerCodec() {
    try {
      vertx.eventBus().registerDefaultCodec(NoticeBatch.class, new NoticeBatch.LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another instance of the service in the same Vert.x (tests, the local stack) registered it
    }
  }

  private ReadinessCheck evaluationReadiness() {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return "alerts";
      }

      @Override
      public Future<Void> check() {
        return evaluation.ready() ? Future.succeededFuture()
            : Future.failedFuture("restoring alerts and rebuilding the windows");
      }
    };
  }

  /** Vert.x has already stopped the children (evaluation, then delivery) when this runs. */
  @Override
  public Future<?> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> kafka.close());
  }

  public int port() {
    return server.actualPort();
  }

  /** Evaluation's readiness: alerts restored and windows rebuilt. */
  public boolean ready() {
    return evaluation != null && evaluation.ready();
  }
}
