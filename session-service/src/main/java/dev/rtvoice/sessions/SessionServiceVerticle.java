package dev.rtvoice.sessions;

import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.http.CrossOrigin;
import dev.rtvoice.common.http.HttpEdge;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.TopicSpec;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.common.runtime.KafkaInfra;
import dev.rtvoice.sessions.api.SessionApiRoutes;
import dev.rtvoice.sessions.config.SessionServiceConfig;
import dev.rtvoice.sessions.kafka.StateView;
import dev.rtvoice.sessions.kafka.StateViewVerticle;
import dev.rtvoice.sessions.metrics.SessionMetrics;
import dev.rtvoice.sessions.owner.SessionOwnerVerticle;
import dev.rtvoice.sessions.sideband.UpstreamReadiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * session-service: the HTTP API with health and metrics (up at once), and, once its Kafka topics
 * exist, the read view of all sessions ({@link StateView}, its own event loop) and the owner of this
 * instance's partitions ({@link SessionOwnerVerticle}, its own event loop). The API answers 503 until
 * both are running, and {@code /health/ready} says so.
 *
 * <p>Stopping: Vert.x undeploys the child verticles first (the owner finishes and commits the batch in
 * hand, closes its sidebands; the view stops), then this verticle closes the HTTP server and flushes the
 * producer.
 */
public final class SessionServiceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SessionServiceVerticle.class);
  private static final long RETRY_MS = 1_000;

  private final SessionServiceConfig config;
  private final PrometheusMeterRegistry registry;
  private KafkaInfra kafka;
  private EventPublisher publisher;
  private EventPublisher ownerPublisher;
  private StateView view;
  private SessionOwnerVerticle owner;
  private UpstreamReadiness upstream;
  private HttpServer server;
  private SessionApiRoutes api;
  private volatile boolean stopping;

  public SessionServiceVerticle(SessionServiceConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Topics topics = config.topics();
    List<TopicSpec> owned = new ArrayList<>();
    owned.addAll(topics.withDeadLetter(Topics.SESSION_COMMANDS));
    owned.add(topics.spec(Topics.SESSION_EVENTS));
    owned.add(topics.spec(Topics.SESSION_STATE));
    owned.add(topics.spec(Topics.LATENCY_SAMPLES));
    kafka = new KafkaInfra(vertx, config.kafka(), owned);
    publisher = new EventPublisher(vertx, config.kafka(), "producer", registry);
    // the owner's writes (derived events, snapshots) on a connection of their own: the broker serves one
    // connection's requests one at a time, and a client's command must not queue behind a batch's writes
    ownerPublisher = new EventPublisher(vertx, config.kafka(), "owner", registry);
    view = new StateView(vertx, config.kafka(), topics.sessionState(), registry);
    SessionMetrics metrics = new SessionMetrics(registry);
    owner = new SessionOwnerVerticle(config, ownerPublisher, view, metrics, registry);

    List<ReadinessCheck> checks = new ArrayList<>();
    checks.add(kafka.readiness());
    checks.add(new ReadinessCheck() {
      @Override
      public String name() {
        return "sessions";
      }

      @Override
      public Future<Void> check() {
        return engineReady() ? Future.succeededFuture()
            : Future.failedFuture("session state not loaded yet");
      }
    });
    checks.add(new ReadinessCheck() {
      @Override
      public String name() {
        return "owner";
      }

      @Override
      public Future<Void> check() {
        return owner.stalled().<Future<Void>>map(Future::failedFuture).orElseGet(Future::succeededFuture);
      }
    });
    if (config.upstream().sidebandEnabled()) {
      upstream = new UpstreamReadiness(vertx, config.upstream());
      checks.add(upstream);
    }

    Router router = Router.router(vertx);
    router.route().handler(CrossOrigin.handler(config.corsOrigins()));
    HealthRoutes.mount(router, registry, checks);
    api = new SessionApiRoutes(vertx, config, publisher, view, metrics, this::engineReady, owner::cancelAhead,
        kafka.readiness());
    api.mount(router);
    JsonErrors.install(router);
    kafka.provisionTopics().onSuccess(v -> startEngine());
    return HttpEdge.server(vertx, new HttpServerOptions().setHost(config.host()).setPort(config.port()), router)
        .listen()
        .onSuccess(s -> server = s);
  }

  private boolean engineReady() {
    return view.ready() && owner.started();
  }

  /** The view first (the owner restores from it), then the owner; retried until Kafka lets them start. */
  private void startEngine() {
    if (stopping) {
      return;
    }
    vertx.deployVerticle(new StateViewVerticle(view))
        .onFailure(e -> {
          LOG.warn("state view not started ({}), retrying", e.toString());
          vertx.setTimer(RETRY_MS, t -> startEngine());
        })
        .onSuccess(id -> deployOwner());
  }

  private void deployOwner() {
    if (stopping) {
      return;
    }
    vertx.deployVerticle(owner).onFailure(e -> {
      LOG.warn("session owner not started ({}), retrying", e.toString());
      vertx.setTimer(RETRY_MS, t -> deployOwner());
    }).onSuccess(id -> LOG.info("session-service ready: {} sessions in view", view.size()));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (api != null) {
      api.close();
    }
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed
        .eventually(() -> publisher.close())
        .eventually(() -> ownerPublisher.close())
        .eventually(() -> upstream == null ? Future.succeededFuture() : upstream.close())
        .eventually(() -> kafka.close());
  }

  public int port() {
    return server.actualPort();
  }

  /** For tests and benchmarks: the sessions owned by this instance. */
  public int ownedSessions() {
    return owner.ownedCount();
  }
}
