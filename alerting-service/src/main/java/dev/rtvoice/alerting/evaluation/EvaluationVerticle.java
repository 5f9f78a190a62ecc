package dev.rtvoice.alerting.evaluation;

import dev.rtvoice.alerting.config.AlertingServiceConfig;
import dev.rtvoice.alerting.delivery.AlertNotice;
import dev.rtvoice.alerting.delivery.NoticeBatch;
import dev.rtvoice.alerting.domain.RuleEvaluator;
import dev.rtvoice.alerting.domain.RestoredAlert;
import dev.rtvoice.alerting.domain.alert.Transition;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import dev.rtvoice.alerting.domain.window.WindowStore;
import dev.rtvoice.alerting.kafka.AlertEvents;
import dev.rtvoice.alerting.kafka.AlertHistoryReader;
import dev.rtvoice.alerting.kafka.PaneFeed;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.metrics.WindowPane;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link RuleEvaluator}: restores what was firing from {@code realtime.alerts}, rebuilds the
 * windows from {@code realtime.metrics.windows}, then judges the rules as panes arrive (coalesced),
 * publishes each alert that fires or resolves to {@code realtime.alerts} and hands the notices to
 * delivery once Kafka has them. It also answers the API's queries, on its own thread.
 */
public final class EvaluationVerticle extends VerticleBase {
  public static final String QUERY_ADDRESS = "alerting.query";
  private static final Logger LOG = LoggerFactory.getLogger(EvaluationVerticle.class);
  private static final long RETRY_MS = 2_000;

  private final AlertingServiceConfig config;
  private final List<RuleSpec> rules;
  private final MeterRegistry registry;
  private final Clock clock;
  private final Supplier<Future<Void>> topicsReady;
  private RuleEvaluator evaluator;
  private EvaluationMetrics metrics;
  private Notices notices;
  private AlertViews views;
  private EventPublisher publisher;
  private PaneFeed feed;
  private MessageConsumer<JsonObject> queries;
  private Future<Void> deliveries = Future.succeededFuture();
  private List<RestoredAlert> orphans = List.of();
  private volatile boolean ready;
  private volatile boolean stopping;
  private boolean live;
  private boolean evaluationScheduled;
  private long lastPaneWall;
  private long eventTimeAtLastPane = Long.MIN_VALUE;
  private long idleTimer = -1;
  private long deadlineTimer = -1;
  /** Event time this close to the wall clock counts as live. */
  private static final long LIVE_SKEW_MS = 30_000;

  public EvaluationVerticle(AlertingServiceConfig config, List<RuleSpec> rules, MeterRegistry registry, Clock clock,
                        Supplier<Future<Void>> topicsReady) {
    this.config = config;
    this.rules = List.copyOf(rules);
    this.registry = registry;
    this.clock = clock;
    this.topicsReady = topicsReady;
  }

  /** Ready once the alerts were restored and the windows rebuilt. */
  public boolean ready() {
    return ready;
  }

  @Override
  public Future<?> start() {
    AlertingServiceConfig.Windows w = config.windows();
    evaluator = new RuleEvaluator(rules,
        new WindowStore.Settings(w.lateGrace().toMillis(), w.maxFutureSkew().toMillis()), clock);
    metrics = new EvaluationMetrics(registry, clock);
    notices = new Notices(config.externalUrl());
    views = new AlertViews(evaluator, notices);
    publisher = new EventPublisher(vertx, config.kafka(), "alerts", registry);
    queries = vertx.eventBus().localConsumer(QUERY_ADDRESS, message -> {
      JsonObject q = message.body();
      switch (q.getString("what", "")) {
        case "alerts" -> message.reply(views.alerts(q.getString("state"), q.getString("alertname")));
        case "rules" -> message.reply(views.rules());
        case "rule" -> {
          JsonObject rule = views.rule(q.getString("name"));
          if (rule == null) {
            message.fail(404, "no rule named " + q.getString("name"));
          } else {
            message.reply(rule);
          }
        }
        default -> message.fail(400, "unknown query");
      }
    });
    // back on this verticle's worker context: the readers' records and the evaluator's state belong there,
    // not on the context of the verticle that provisioned the topics
    topicsReady.get().onComplete(ar -> context.runOnContext(v -> readHistory()));
    return queries.completion();
  }

  private void readHistory() {
    if (stopping) {
      return;
    }
    new AlertHistoryReader(vertx, config.kafka(), config.topics().alerts()).firingAlerts()
        .onSuccess(this::restore)
        .onFailure(e -> {
          LOG.warn("cannot read {} yet ({}); retrying", config.topics().alerts(), e.getMessage());
          vertx.setTimer(RETRY_MS, t -> readHistory());
        });
  }

  private void restore(List<RestoredAlert> firing) {
    orphans = evaluator.restore(firing);
    List<AlertNotice> restored = new ArrayList<>();
    firing.forEach(a -> restored.add(notices.of(a, 0)));
    if (!restored.isEmpty()) {
      vertx.eventBus().send(NoticeBatch.ADDRESS, new NoticeBatch(true, restored));
    }
    evaluator.restoring(true);
    startFeed();
  }

  private void startFeed() {
    if (stopping) {
      return;
    }
    long from = clock.millis() - evaluator.store().horizonMs() - config.windows().lateGrace().toMillis()
        - config.windows().restoreMargin().toMillis();
    EventPublisher deadLetters = publisher;
    feed = new PaneFeed(vertx, config.kafka(), config.topics().metricsWindows(), deadLetters, registry);
    feed.start(from, new PaneFeed.Sink() {
      @Override
      public void pane(WindowPane pane, long occurredAtMs) {
        metrics.pane(evaluator.ingest(pane, occurredAtMs));
        lastPaneWall = clock.millis();
        eventTimeAtLastPane = evaluator.eventTime();
      }

      @Override
      public void batchDone() {
        scheduleEvaluation();
      }
    }, this::caughtUp).onFailure(e -> {
      LOG.warn("cannot follow {} yet ({}); retrying", config.topics().metricsWindows(), e.getMessage());
      PaneFeed failed = feed;
      failed.stop();
      vertx.setTimer(RETRY_MS, t -> startFeed());
    });
  }

  private void caughtUp() {
    evaluator.restoring(false);
    live = true;
    long ts = evaluator.eventTime() == Long.MIN_VALUE ? clock.millis() : evaluator.eventTime();
    List<Transition> none = List.of();
    List<AlertNotice> resolvedOrphans = new ArrayList<>();
    for (RestoredAlert a : orphans) {
      LOG.info("resolving {} {}: its rule no longer produces it", a.alertname(), a.labels());
      resolvedOrphans.add(notices.of(a, Math.max(ts, a.startsAtMs())));
    }
    orphans = List.of();
    dispatch(none, resolvedOrphans);
    evaluate();
    ready = true;
    long idle = config.windows().idleAdvance().toMillis();
    if (idle > 0) {
      idleTimer = vertx.setPeriodic(Math.max(1_000, Math.min(idle / 10, 30_000)), t -> idleCheck(idle));
    }
    long eventTime = evaluator.eventTime();
    LOG.info("alerting on {} rule(s); event time {}", rules.size(),
        eventTime == Long.MIN_VALUE ? "not started" : java.time.Instant.ofEpochMilli(eventTime));
  }

  /** With no pane for a while, event time follows the wall clock, so alerts still resolve. */
  private void idleCheck(long idleMs) {
    long now = clock.millis();
    if (lastPaneWall == 0 || eventTimeAtLastPane == Long.MIN_VALUE || now - lastPaneWall < idleMs) {
      return;
    }
    if (evaluator.advanceIdle(eventTimeAtLastPane + (now - lastPaneWall))) {
      scheduleEvaluation();
    }
  }

  private void scheduleEvaluation() {
    if (!live || evaluationScheduled) {
      return;
    }
    evaluationScheduled = true;
    long delay = config.windows().coalesce().toMillis();
    if (delay <= 0) {
      vertx.runOnContext(v -> evaluate());
    } else {
      vertx.setTimer(delay, t -> evaluate());
    }
  }

  private void evaluate() {
    evaluationScheduled = false;
    long started = System.nanoTime();
    RuleEvaluator.Evaluation e = evaluator.evaluate();
    metrics.evaluated(evaluator, e, System.nanoTime() - started);
    dispatch(e.transitions(), List.of());
    scheduleForDeadline();
  }

  /**
   * Re-judges at the moment a pending alert's {@code for} elapses rather than at the next pane (up to
   * a pane cadence later). Only while event time follows the wall clock (live data, idle advance
   * on): for panes of the past, the wall clock says nothing about event time.
   */
  private void scheduleForDeadline() {
    if (deadlineTimer >= 0) {
      vertx.cancelTimer(deadlineTimer);
      deadlineTimer = -1;
    }
    long due = evaluator.nextForDeadline();
    long now = clock.millis();
    if (due == Long.MAX_VALUE || stopping || config.windows().idleAdvance().isZero()
        || evaluator.eventTime() == Long.MIN_VALUE || Math.abs(now - evaluator.eventTime()) > LIVE_SKEW_MS) {
      return;
    }
    deadlineTimer = vertx.setTimer(Math.max(1, due - now), t -> {
      deadlineTimer = -1;
      if (!stopping && evaluator.eventTime() < due) {
        evaluator.advanceIdle(due);
      }
      evaluate();
    });
  }

  /**
   * Publishes what fired or resolved, then (in evaluation order, once Kafka has it, or failed to take
   * it: the page matters more) hands every notice to delivery.
   */
  private void dispatch(List<Transition> transitions, List<AlertNotice> extra) {
    if (transitions.isEmpty() && extra.isEmpty()) {
      return;
    }
    List<AlertNotice> batch = new ArrayList<>();
    List<Future<?>> published = new ArrayList<>();
    for (Transition t : transitions) {
      AlertNotice notice = notices.of(t, evaluator.rule(t.rule()).spec());
      batch.add(notice);
      if (t.kind() != Transition.Kind.UPDATED) {
        metrics.transition(t);
        LOG.info("{} {} {} (value {})", t.rule(), t.kind() == Transition.Kind.FIRING ? "FIRING" : "RESOLVED",
            notice.labels(), notice.value());
        published.add(publish(notice));
      }
    }
    for (AlertNotice notice : extra) {
      batch.add(notice);
      published.add(publish(notice));
    }
    Future<Void> durable = Future.join(published).transform(ar -> Future.succeededFuture());
    deliveries = deliveries.compose(v -> durable)
        .onSuccess(v -> vertx.eventBus().send(NoticeBatch.ADDRESS, new NoticeBatch(false, batch)));
  }

  private Future<?> publish(AlertNotice notice) {
    return publisher.publish(config.topics().alerts(), notice.fingerprint(),
            AlertEvents.toEvent(notice, clock.instant()))
        .onFailure(e -> LOG.error("could not publish {} of {} to Kafka; delivering it anyway", notice.status(),
            notice.alertname(), e));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (idleTimer >= 0) {
      vertx.cancelTimer(idleTimer);
    }
    if (deadlineTimer >= 0) {
      vertx.cancelTimer(deadlineTimer);
    }
    Future<Void> feedStopped = feed == null ? Future.succeededFuture() : feed.stop();
    return feedStopped
        .compose(v -> {
          if (live && evaluationScheduled) {
            // panes already read are judged before leaving
            evaluate();
          }
          Promise<Void> sent = Promise.promise();
          deliveries.onComplete(ar -> sent.tryComplete());
          return sent.future().timeout(10, TimeUnit.SECONDS);
        })
        .eventually(() -> queries.unregister())
        .eventually(() -> publisher.close());
  }
}
