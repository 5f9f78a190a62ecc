package dev.rtvoice.metrics;

import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.health.KafkaReadiness;
import dev.rtvoice.common.http.ApiDocument;
import dev.rtvoice.common.http.CorsPolicy;
import dev.rtvoice.common.http.CrossOrigin;
import dev.rtvoice.common.http.HttpEdge;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.kafka.TopicSpec;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.common.runtime.KafkaInfra;
import dev.rtvoice.metrics.api.BearerAuth;
import dev.rtvoice.metrics.api.LatencyRoutes;
import dev.rtvoice.metrics.api.TelemetryRoutes;
import dev.rtvoice.metrics.config.MetricsServiceConfig;
import dev.rtvoice.metrics.domain.BudgetAnalyzer;
import dev.rtvoice.metrics.domain.ClusterCounterView;
import dev.rtvoice.metrics.domain.ClusterLatencyView;
import dev.rtvoice.metrics.domain.CounterCatalog;
import dev.rtvoice.metrics.domain.LatencySketchQuantiles;
import dev.rtvoice.metrics.domain.OutageCredit;
import dev.rtvoice.metrics.domain.SampleValidator;
import dev.rtvoice.metrics.domain.ViewWindow;
import dev.rtvoice.metrics.domain.WindowAggregator;
import dev.rtvoice.metrics.ingest.KafkaAvailability;
import dev.rtvoice.metrics.ingest.KafkaSampleSink;
import dev.rtvoice.metrics.ingest.LocalSampleSink;
import dev.rtvoice.metrics.ingest.SampleSink;
import dev.rtvoice.metrics.kafka.PaneFlusher;
import dev.rtvoice.metrics.kafka.PipelineConsumer;
import dev.rtvoice.metrics.kafka.WindowsFeed;
import dev.rtvoice.metrics.trace.TurnTracing;
import dev.rtvoice.metrics.prometheus.MetricsHygiene;
import dev.rtvoice.metrics.prometheus.ServiceMeters;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * metrics-service on one event loop: the HTTP API, this instance's windows and their publisher, the
 * consumer group that feeds counters and pipeline samples, and the reader that rebuilds every
 * instance's view. One loop owns all the state, so nothing is shared between threads; a second
 * instance of the service (not of this verticle) scales it, and their panes merge.
 */
public final class MetricsServiceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServiceVerticle.class);
  /** How often Kafka is asked whether it answers (an outage's start and end, see {@link OutageCredit}). */
  private static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

  private final MetricsServiceConfig config;
  private final PrometheusMeterRegistry registry;
  private final SessionHandleCodec handles;
  private final Clock clock;
  private final CorsPolicy cors;

  private KafkaInfra kafka;
  private HttpServer server;
  private EventPublisher panePublisher;
  private EventPublisher samplePublisher;
  private PaneFlusher flusher;
  private PipelineConsumer consumer;
  private WindowsFeed feed;
  private TurnTracing tracing = TurnTracing.OFF;
  private KafkaAvailability kafkaAvailability;
  private long gaugeTimer = -1;
  private volatile boolean pipelinesStarted;

  public MetricsServiceVerticle(MetricsServiceConfig config, PrometheusMeterRegistry registry,
                                SessionHandleCodec handles, Clock clock, CorsPolicy cors) {
    this.config = config;
    this.registry = registry;
    this.handles = handles;
    this.clock = clock;
    this.cors = cors;
  }

  @Override
  public Future<?> start() {
    Topics topics = config.topics();
    List<TopicSpec> owned = new ArrayList<>();
    owned.addAll(topics.withDeadLetter(Topics.LATENCY_SAMPLES));
    owned.add(topics.spec(Topics.METRICS_WINDOWS));
    // consumed here too: created when missing, so the start order of the services does not matter
    owned.addAll(topics.withDeadLetter(Topics.TOKEN_EVENTS));
    owned.addAll(topics.withDeadLetter(Topics.SESSION_EVENTS));
    kafka = new KafkaInfra(vertx, config.kafka(), owned);

    MetricsHygiene.apply(registry);
    ServiceMeters meters = new ServiceMeters(registry, config.budgets());
    OutageCredit outages = new OutageCredit(config.windows().allowedLateness().toMillis(),
        config.outageGrace().toMillis(), config.outageCreditMax().toMillis());
    WindowAggregator aggregator = new WindowAggregator(
        WindowAggregator.incarnation(config.instanceId(), clock.millis()), config.windows(), clock, outages);
    meters.functionCounter("window.outage.excused", "Samples and events older than the allowed lateness taken "
        + "because an outage of this instance made them late (OUTAGE_GRACE, OUTAGE_CREDIT_MAX)", aggregator,
        WindowAggregator::outageExcused);
    ClusterLatencyView view = new ClusterLatencyView(ViewWindow.longest());
    ClusterCounterView counterView = new ClusterCounterView(ViewWindow.longest(),
        java.util.Set.of(CounterCatalog.FALSE_INTERRUPTIONS, CounterCatalog.SESSIONS_STARTED));
    meters.gauge("window.open.buckets", "Buckets of this instance not yet closed by the watermark", aggregator,
        WindowAggregator::openBuckets);
    meters.gauge("window.view.buckets", "Stage buckets held for the views of every instance", view,
        ClusterLatencyView::bucketCount);
    SampleValidator validator = new SampleValidator(config.windows().allowedLateness().toMillis(),
        config.windows().maxClockSkew().toMillis(), outages);

    panePublisher = new EventPublisher(vertx, config.kafka(), "panes", registry);
    flusher = new PaneFlusher(vertx, aggregator, panePublisher, topics.metricsWindows(),
        MetricsServiceConfig.SERVICE_NAME, clock, config.paneInterval(), config.durableFlushInterval(), meters);
    SampleSink sink;
    if (config.ingest() == MetricsServiceConfig.Ingest.KAFKA) {
      samplePublisher = new EventPublisher(vertx, config.kafka(), "samples", registry);
      sink = new KafkaSampleSink(samplePublisher, topics.latencySamples(), MetricsServiceConfig.SERVICE_NAME);
    } else {
      sink = new LocalSampleSink(aggregator, flusher, meters);
    }
    tracing = config.traces().map(t -> TurnTracing.start(vertx, t, clock, registry)).orElse(TurnTracing.OFF);
    consumer = new PipelineConsumer(vertx, config.kafka(), topics, aggregator, flusher, validator, panePublisher,
        meters, registry, clock, config.dedupeEventIds(), config.dedupeBatchKeys(), tracing);
    meters.gauge("telemetry.dedupe.keys", "Telemetry batch keys remembered to recognize retried batches", consumer,
        PipelineConsumer::batchKeys);
    kafkaAvailability = new KafkaAvailability(vertx, new KafkaReadiness(vertx, kafka.admin()), PROBE_INTERVAL,
        outages, clock);
    feed = new WindowsFeed(vertx, config.kafka(), topics.metricsWindows(), "windows-" + config.instanceId(), view,
        counterView, clock, ViewWindow.longest().plus(config.windows().allowedLateness()).plus(config.windows().bucket()), meters);

    Router router = Router.router(vertx);
    router.route().handler(CrossOrigin.handler(cors));
    HealthRoutes.mount(router, registry, List.of(kafka.readiness(), feed.readiness()));
    ApiDocument.mount(router, "metrics-service");
    new TelemetryRoutes(new BearerAuth(handles), validator, aggregator, sink, meters, clock, config.maxBatch(),
        config.maxPending(), kafkaAvailability, config.telemetryDeadline()).mount(router);
    BudgetAnalyzer analyzer = new BudgetAnalyzer(config.budgets());
    new LatencyRoutes(view, counterView, analyzer, aggregator, config.ingest().name().toLowerCase()).mount(router);
    JsonErrors.install(router);

    flusher.start();
    kafkaAvailability.start();
    // the p95 gauges follow the merged view; a merge of a 5 m view takes microseconds
    gaugeTimer = vertx.setPeriodic(Math.min(1000, config.paneInterval().toMillis()),
        t -> meters.p95(LatencySketchQuantiles.p95ByStage(view.view(config.p95GaugeWindow().length()))));
    kafka.provisionTopics()
        .compose(v -> consumer.start())
        .compose(v -> feed.start())
        .onSuccess(v -> {
          pipelinesStarted = true;
          LOG.info("{} consuming; instance {}", MetricsServiceConfig.SERVICE_NAME, config.instanceId());
        })
        .onFailure(e -> LOG.error("Kafka pipelines did not start", e));

    return HttpEdge.server(vertx, new HttpServerOptions().setHost(config.host()).setPort(config.port()), router)
        .listen()
        .onSuccess(s -> server = s);
  }

  /** Stops taking requests, finishes and commits the consumed batch, publishes what is left, closes. */
  @Override
  public Future<?> stop() {
    if (gaugeTimer >= 0) {
      vertx.cancelTimer(gaugeTimer);
    }
    if (kafkaAvailability != null) {
      kafkaAvailability.close();
    }
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed
        .eventually(() -> consumer.stop())
        .eventually(() -> tracing.stop())
        .eventually(() -> flusher.stop())
        .eventually(() -> feed.stop())
        .eventually(() -> samplePublisher == null ? Future.succeededFuture() : samplePublisher.close())
        .eventually(() -> panePublisher.close())
        .eventually(() -> kafka.close());
  }

  public int port() {
    return server.actualPort();
  }

  public boolean pipelinesStarted() {
    return pipelinesStarted;
  }
}
