package dev.rtvoice.sessions;

import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.health.SharedDependency;
import dev.rtvoice.common.health.UpstreamReadiness;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.TopicSpec;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.common.runtime.KafkaInfra;
import dev.rtvoice.sessions.api.HttpApiVerticle;
import dev.rtvoice.sessions.api.SessionApiRoutes;
import dev.rtvoice.sessions.config.CallSettings;
import dev.rtvoice.sessions.config.SessionServiceConfig;
import dev.rtvoice.sessions.kafka.CallCreatedFeed;
import dev.rtvoice.sessions.kafka.StateView;
import dev.rtvoice.sessions.kafka.StateViewVerticle;
import dev.rtvoice.sessions.metrics.SessionMetrics;
import dev.rtvoice.sessions.owner.SessionOwnerVerticle;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * session-service: the HTTP API with health and metrics (up at once, on {@code HTTP_INSTANCES} event
 * loops: {@link HttpApiVerticle}), and, once its Kafka topics
 * exist, the read view of all sessions ({@link StateView}, its own event loop) and the owner of this
 * instance's partitions ({@link SessionOwnerVerticle}, its own event loop), then the forwarder of the calls
 * token-service creates ({@link CallCreatedFeed}). The API answers 503 until view and owner are
 * running, and {@code /health/ready} says so.
 *
 * <p>Stopping: Vert.x undeploys the child verticles first (the owner finishes and commits the batch in
 * hand, closes its sidebands; the view stops; the API verticles drain their requests), then this verticle
 * stops the ingress's probe and flushes the producers.
 */
public final class SessionServiceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SessionServiceVerticle.class);
  private static final long RETRY_MS = 1_000;
  /** The call feed's consumer group (after the topic prefix), shared by the instances. */
  public static final String CALL_FEED_GROUP = "session-service-calls";
  private static final AtomicInteger SHARED_RANDOM_PORTS = new AtomicInteger(8_000);

  private final SessionServiceConfig config;
  private final PrometheusMeterRegistry registry;
  private KafkaInfra kafka;
  private EventPublisher publisher;
  private EventPublisher ownerPublisher;
  private StateView view;
  private SessionOwnerVerticle owner;
  private UpstreamReadiness upstream;
  private volatile int port = -1;
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
    // read by the call feed; token-service (its writer) and metrics-service create it too, whoever starts first
    owned.add(topics.spec(Topics.TOKEN_EVENTS));
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
      upstream = new UpstreamReadiness(vertx, config.upstream().baseUrl(), java.time.Duration.ofSeconds(2));
      // shared by every instance: reported in /health/ready's dependencies and dependency_up, not gating
      checks.add(SharedDependency.monitor(vertx, registry, upstream, java.time.Duration.ofSeconds(5)));
    }

    api = new SessionApiRoutes(vertx, config, publisher, view, metrics, this::engineReady, owner::cancelAhead,
        kafka.readiness());
    api.start();
    kafka.provisionTopics().onSuccess(v -> startEngine());
    return deployApi(checks);
  }

  /**
   * {@code HTTP_INSTANCES} API verticles on one port, deployed from this verticle (so they are its
   * children: undeployed, and drained, before its own stop). Port 0 (tests) becomes a negative port:
   * Vert.x binds one random port and shares it between the servers asking for the same negative number.
   */
  private Future<Void> deployApi(List<ReadinessCheck> checks) {
    int bindPort = config.port() == 0 ? -SHARED_RANDOM_PORTS.incrementAndGet() : config.port();
    HttpApiVerticle first = new HttpApiVerticle(config.host(), bindPort, config.corsOrigins(), api, registry, checks);
    return vertx.deployVerticle(first).compose(id -> {
      port = first.actualPort();
      Future<String> rest = Future.succeededFuture();
      for (int i = 1; i < config.ingress().httpInstances(); i++) {
        rest = rest.compose(x -> vertx.deployVerticle(new HttpApiVerticle(config.host(), bindPort,
            config.corsOrigins(), api, registry, checks)));
      }
      return rest.<Void>mapEmpty();
    }).onSuccess(v -> LOG.info("HTTP API on port {}, {} event loop(s)", port, config.ingress().httpInstances()));
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
    }).onSuccess(id -> {
      LOG.info("session-service ready: {} sessions in view", view.size());
      deployCallFeed();
    });
  }

  /** After the owner: the commands it writes are applied by owners (of any instance) from then on. */
  private void deployCallFeed() {
    if (stopping) {
      return;
    }
    Topics topics = config.topics();
    vertx.deployVerticle(new CallCreatedFeed(config.kafka(), topics.prefix() + CALL_FEED_GROUP, topics.tokenEvents(),
        topics.sessionCommands(), publisher, CallSettings.UPSTREAM_CAP, java.time.Clock.systemUTC(), registry))
        .onFailure(e -> {
          LOG.warn("call feed not started ({}), retrying", e.toString());
          vertx.setTimer(RETRY_MS, t -> deployCallFeed());
        });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (api != null) {
      api.close();
    }
    // the API verticles are children: Vert.x has undeployed (drained) them before this runs
    return publisher.close()
        .eventually(() -> ownerPublisher.close())
        .eventually(() -> upstream == null ? Future.succeededFuture() : upstream.close())
        .eventually(() -> kafka.close());
  }

  public int port() {
    return port;
  }

  /** For tests and benchmarks: the sessions owned by this instance. */
  public int ownedSessions() {
    return owner.ownedCount();
  }
}
