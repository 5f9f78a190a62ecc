package dev.rtvoice.tokens;

import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.health.SharedDependency;
import dev.rtvoice.common.health.UpstreamReadiness;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.common.runtime.KafkaInfra;
import dev.rtvoice.tokens.api.ApiRouter;
import dev.rtvoice.tokens.auth.CallerAuthenticator;
import dev.rtvoice.tokens.config.TokenServiceConfig;
import dev.rtvoice.tokens.domain.BrokerAvailability;
import dev.rtvoice.tokens.domain.DenialRecordBudget;
import dev.rtvoice.tokens.domain.RateLimiter;
import dev.rtvoice.tokens.domain.RetryPlanner;
import dev.rtvoice.tokens.domain.RotationFamilies;
import dev.rtvoice.tokens.domain.SessionIds;
import dev.rtvoice.tokens.kafka.DurableWriter;
import dev.rtvoice.tokens.kafka.InstanceGroup;
import dev.rtvoice.tokens.kafka.RotationLedger;
import dev.rtvoice.tokens.kafka.TokenEventProducer;
import dev.rtvoice.tokens.kafka.TokenEvents;
import dev.rtvoice.tokens.config.OutboxSettings;
import dev.rtvoice.tokens.metrics.TokenMetrics;
import dev.rtvoice.tokens.outbox.KafkaSink;
import dev.rtvoice.tokens.outbox.Outbox;
import dev.rtvoice.tokens.outbox.OutboxLog;
import dev.rtvoice.tokens.upstream.SecretMinter;
import dev.rtvoice.tokens.upstream.UpstreamBreaker;
import dev.rtvoice.tokens.upstream.UpstreamClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.openapi.contract.OpenAPIContract;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * token-service: builds the shared parts (Kafka publisher, rotation ledger, caller authentication,
 * circuit breaker, rate limiter and its share among the instances), then deploys
 * {@code HTTP_INSTANCES} API verticles on one port. Stopping undeploys the API verticles first (they
 * drain their requests), then leaves the instance group, stops following the ledger and flushes the
 * event publisher.
 *
 * <p>Readiness is this instance's own: Kafka (its connection and ACLs), the ledger restored, its
 * share of the rate limits known, the caller keys loaded. Upstream and the identity provider are the
 * same for every instance: they are reported ({@code dependencies}, {@code dependency_up}), not gating.
 */
public final class TokenServiceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TokenServiceVerticle.class);
  private static final long RATE_LIMIT_EVICTION_MS = 60_000;
  private static final AtomicInteger SHARED_RANDOM_PORTS = new AtomicInteger(7_000);
  private static final Duration DEPENDENCY_PROBE_INTERVAL = Duration.ofSeconds(5);

  private final TokenServiceConfig config;
  private final PrometheusMeterRegistry registry;
  private final Clock clock;
  private KafkaInfra kafka;
  private TokenEventProducer publisher;
  private DurableWriter writer;
  private RotationLedger ledger;
  private CallerAuthenticator authenticator;
  private UpstreamBreaker breaker;
  private UpstreamReadiness upstreamReadiness;
  private UpstreamClient upstreamClient;
  private InstanceGroup instances;
  private Outbox outbox;
  private final List<SharedDependency> sharedDependencies = new ArrayList<>();
  private long evictionTimer = -1;
  private volatile int port = -1;

  public TokenServiceVerticle(TokenServiceConfig config, PrometheusMeterRegistry registry) {
    this(config, registry, Clock.systemUTC());
  }

  public TokenServiceVerticle(TokenServiceConfig config, PrometheusMeterRegistry registry, Clock clock) {
    this.config = config;
    this.registry = registry;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    OutboxSettings settings = config.outbox();
    if (settings == null) {
      return startServices(null);
    }
    // opening reads the whole outbox back (bounded by TOKEN_OUTBOX_MAX_MB): file I/O, off the event loop
    return vertx.executeBlocking(() -> OutboxLog.open(settings.dir(), settings.segmentBytes()))
        .compose(log -> {
          outbox = new Outbox(log, new Outbox.Settings(settings.maxBytes(), settings.fsync(), settings.fsyncInterval(),
              500), new KafkaSink(config.kafka(), config.eventsCompression()), config.kafka().deliveryTimeout());
          outbox.start();
          LOG.info("events of issued and rotated secrets go through the outbox in {} (fsync {}, at most {} MiB "
              + "undelivered)", settings.dir().toAbsolutePath(), settings.fsync(), settings.maxBytes() >> 20);
          return startServices(outbox);
        });
  }

  private Future<?> startServices(Outbox outbox) {
    Topics topics = config.topics();
    kafka = new KafkaInfra(vertx, config.kafka(), List.of(topics.spec(Topics.TOKEN_EVENTS)));
    // as in the other services, the Kafka readers start once the owned topics exist (provisioning retries
    // until Kafka answers; it fails only when the service stops first)
    Future<Void> topicsReady = kafka.provisionTopics();
    TokenMetrics metrics = new TokenMetrics(registry);
    publisher = new TokenEventProducer(vertx, config.kafka(), config.eventsCompression(), config.eventDeadline());
    BrokerAvailability availability = new BrokerAvailability();
    metrics.kafkaKnownDown(() -> availability.knownDown() ? 1 : 0);
    writer = new DurableWriter(vertx, publisher, kafka.admin(), config.eventDeadline(), availability, clock);
    TokenEvents events = new TokenEvents(writer, outbox, topics.tokenEvents(), clock, metrics,
        new DenialRecordBudget(config.deniedEventsPerSecond(), clock));
    if (outbox != null) {
      metrics.outbox(outbox::pendingBytes, outbox::deliveredRecords, outbox::relayFailures, outbox::refusedFull);
    }
    RotationFamilies families = new RotationFamilies(config.replayGrace().toMillis());
    metrics.trackedFamilies(families::size);
    ledger = new RotationLedger(vertx, config.kafka(), kafka.admin(), new RotationLedger.TopicSettings(
        topics.name(Topics.TOKEN_ROTATIONS), topics.spec(Topics.TOKEN_EVENTS).partitions(),
        topics.spec(Topics.TOKEN_EVENTS).replicationFactor(), config.ledgerRetention()), writer, families, clock);
    topicsReady.onSuccess(v -> ledger.start())
        .onFailure(e -> LOG.info("rotation ledger not started: {}", e.getMessage()));
    authenticator = CallerAuthenticator.create(vertx, config.auth());
    breaker = new UpstreamBreaker(vertx, config.upstream());
    metrics.circuitState(breaker::stateCode);
    RateLimiter limiter = new RateLimiter(config.userLimit(), config.deviceLimit(), clock);
    instances = new InstanceGroup(vertx, config.kafka(), kafka.admin(), topics.prefix() + TokenServiceConfig.SERVICE_NAME,
        topics.name(Topics.TOKEN_ROTATIONS), limiter::shareAmong);
    metrics.rateLimitInstances(instances::count);
    // the ledger's topic exists once it is restored; the group is subscribed to it
    ledger.restored().onSuccess(v -> instances.start()
        .onFailure(e -> LOG.warn("instance group {} not joined: {}", instances.group(), e.getMessage())));
    evictionTimer = vertx.setPeriodic(RATE_LIMIT_EVICTION_MS, t -> limiter.evictIdle());
    SecureRandom random = new SecureRandom();
    var upstream = config.upstream();
    RetryPlanner planner = new RetryPlanner(upstream.retryBase(), upstream.retryMaxDelay(), upstream.maxAttempts(),
        upstream.requestTimeout(), () -> ThreadLocalRandom.current().nextDouble());
    // one HTTP client for all event loops: Vert.x keeps each connection on the event loop that uses it
    upstreamClient = new UpstreamClient(vertx, upstream, config.instructions(), config.tools(), clock);
    breaker.onOpen(upstreamClient::renewConnections);
    SecretMinter minter = new SecretMinter(vertx, upstreamClient, breaker, planner, metrics);
    SharedServices shared = new SharedServices(authenticator, minter, limiter, events, metrics,
        new SessionIds(random::nextBytes), clock, registry, writer, families, ledger);

    upstreamReadiness = new UpstreamReadiness(vertx, upstream.baseUrl(), upstream.connectTimeout());
    List<ReadinessCheck> readiness = new ArrayList<>();
    if (outbox == null) {
      readiness.add(kafka.readiness());
    } else {
      // with an outbox this instance issues through a Kafka outage: Kafka gates readiness only until it first
      // answered (credentials, ACLs, topics), and is then reported as a dependency like upstream
      readiness.add(untilFirstSuccess(kafka.readiness()));
      sharedDependencies.add(SharedDependency.monitor(vertx, registry, kafka.readiness(), DEPENDENCY_PROBE_INTERVAL));
    }
    readiness.add(ledger.readiness());
    readiness.add(instances.readiness());
    readiness.add(check("identity_keys", () -> authenticator.verifier().ready()));
    if (outbox != null) {
      readiness.add(check("outbox", () -> outbox.broken() == null ? Future.succeededFuture()
          : Future.failedFuture("the outbox cannot be written: " + outbox.broken())));
    }
    sharedDependencies.add(SharedDependency.monitor(vertx, registry, upstreamReadiness, DEPENDENCY_PROBE_INTERVAL));
    sharedDependencies.add(SharedDependency.monitor(vertx, registry,
        check("identity_provider", () -> authenticator.verifier().providerAnswered()), DEPENDENCY_PROBE_INTERVAL));

    LOG.info("{}: upstream {}, caller auth {} (issuer {}), {} API instance(s), dev mode {}",
        TokenServiceConfig.SERVICE_NAME, upstream.baseUrl(), config.auth().mode(), config.auth().issuer(),
        config.instances(), config.devMode());
    return ApiRouter.contract(vertx).compose(contract -> deployApi(contract, shared, readiness));
  }

  private static ReadinessCheck untilFirstSuccess(ReadinessCheck check) {
    java.util.concurrent.atomic.AtomicBoolean succeeded = new java.util.concurrent.atomic.AtomicBoolean();
    return check(check.name(), () -> succeeded.get() ? Future.succeededFuture()
        : check.check().onSuccess(v -> succeeded.set(true)));
  }

  private static ReadinessCheck check(String name, java.util.function.Supplier<Future<Void>> probe) {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Future<Void> check() {
        return probe.get();
      }
    };
  }

  /**
   * Deploys the API verticles on one port. Port 0 (tests) becomes a negative port: Vert.x binds a
   * random port once and shares it between the servers that ask for the same negative number.
   */
  private Future<Void> deployApi(OpenAPIContract contract, SharedServices shared, List<ReadinessCheck> readiness) {
    int bindPort = config.port() == 0 ? -SHARED_RANDOM_PORTS.incrementAndGet() : config.port();
    HttpApiVerticle first = new HttpApiVerticle(config, bindPort, contract, shared, readiness, sharedDependencies);
    return vertx.deployVerticle(first).compose(id -> {
      port = first.actualPort();
      Future<String> rest = Future.succeededFuture();
      for (int i = 1; i < config.instances(); i++) {
        rest = rest.compose(x -> vertx.deployVerticle(new HttpApiVerticle(config, bindPort, contract, shared,
            readiness, sharedDependencies)));
      }
      return rest.<Void>mapEmpty();
    });
  }

  @Override
  public Future<?> stop() {
    // the API verticles are children: Vert.x has undeployed (drained) them before this runs
    if (evictionTimer >= 0) {
      vertx.cancelTimer(evictionTimer);
    }
    if (breaker != null) {
      breaker.close();
    }
    sharedDependencies.forEach(SharedDependency::close);
    if (upstreamReadiness != null) {
      upstreamReadiness.close();
    }
    if (upstreamClient != null) {
      upstreamClient.close();
    }
    if (writer != null) {
      writer.close();
    }
    // leaving the group first hands this instance's share to the others at once
    Future<Void> left = instances == null ? Future.succeededFuture() : instances.close();
    Future<Void> followed = left.eventually(() -> ledger == null ? Future.succeededFuture() : ledger.stop());
    Future<Void> flushed = followed.eventually(() -> publisher == null ? Future.succeededFuture() : publisher.close())
        // what the relay cannot deliver within the deadline stays in the file for the next start
        .eventually(() -> outbox == null ? Future.succeededFuture()
            : vertx.executeBlocking(() -> {
              outbox.close(config.eventDeadline());
              return null;
            }));
    return flushed
        .eventually(() -> authenticator == null ? Future.succeededFuture() : authenticator.close())
        .eventually(() -> kafka.close());
  }

  public int port() {
    return port;
  }
}
