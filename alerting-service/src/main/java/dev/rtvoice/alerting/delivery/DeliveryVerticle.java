package dev.rtvoice.alerting.delivery;

import dev.rtvoice.alerting.config.AlertingServiceConfig;
import dev.rtvoice.alerting.kafka.DeliveryLease;
import dev.rtvoice.alerting.kafka.NotificationLogTopic;
import dev.rtvoice.common.kafka.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the evaluation verticle's notices to every configured receiver: each Alertmanager
 * ({@code ALERTMANAGER_URL}) and each webhook ({@code ALERT_WEBHOOK_URLS}) is a channel of its own,
 * with its own client, timers and retries, so one receiver down never delays another. On stop it
 * sends what is due, and waits a bounded time for what is in flight.
 *
 * <p>Several instances: every one sends to Alertmanager (which deduplicates, as for a Prometheus
 * pair); to the webhooks, only the holder of the {@link DeliveryLease}. Each webhook notification is
 * recorded in the shared {@link NotificationLogTopic}, which every instance follows; an instance that
 * gets the lease reads that log to its end before it sends, so it sends exactly what the receivers
 * do not have yet.
 */
public final class DeliveryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryVerticle.class);
  /** Alertmanager's own default; Prometheus keeps re-sending resolved alerts this long. */
  private static final long RESOLVED_RETENTION_MS = 15 * 60_000;
  private static final long DRAIN_TIMEOUT_S = 10;
  private static final long RETRY_MS = 1_000;

  private final AlertingServiceConfig config;
  private final MeterRegistry registry;
  private final Clock clock;
  private final List<Channel> channels = new ArrayList<>();
  private final Map<String, WebhookChannel> webhooks = new java.util.HashMap<>();
  private final List<io.vertx.core.Deployable> producers;
  private final Supplier<Future<Void>> topicsReady;
  private MessageConsumer<NoticeBatch> consumer;
  private NotificationLogTopic notificationLog;
  private DeliveryLease lease;
  private volatile boolean delivering;
  private boolean stopping;

  /**
   * @param producers verticles that feed delivery (the evaluation verticle): deployed, as workers, as
   *     children of this one, because Vert.x undeploys children before their parent, so their last notices still reach
   *     delivery before it drains
   */
  public DeliveryVerticle(AlertingServiceConfig config, MeterRegistry registry, Clock clock,
                          List<? extends io.vertx.core.Deployable> producers, Supplier<Future<Void>> topicsReady) {
    this.config = config;
    this.registry = registry;
    this.clock = clock;
    this.producers = List.copyOf(producers);
    this.topicsReady = topicsReady;
  }

  @Override
  public Future<?> start() {
    DeliveryMetrics metrics = new DeliveryMetrics(registry);
    AlertingServiceConfig.Delivery delivery = config.delivery();
    int i = 0;
    for (URI url : config.alertmanagers()) {
      String name = "alertmanager-" + (++i);
      ReceiverClient client = new ReceiverClient(vertx, name, "alertmanager", url, delivery, metrics);
      channels.add(new AlertmanagerChannel(vertx, clock, client, new AlertmanagerQueue(
          new AlertmanagerQueue.Settings(delivery.resendDelay().toMillis(), RESOLVED_RETENTION_MS, 64)), metrics));
    }
    i = 0;
    if (!config.webhooks().isEmpty()) {
      String log = config.topics().name(Topics.ALERT_NOTIFICATIONS);
      notificationLog = new NotificationLogTopic(vertx, config.kafka(), log, clock, registry);
      lease = new DeliveryLease(vertx, config.kafka(), config.topics().prefix(), log);
    }
    Gauge.builder("alerting_webhook_delivery_active", this, d -> d.delivering ? 1 : 0)
        .description("1 while this instance holds the delivery lease and sends to the webhooks")
        .register(registry);
    AlertingServiceConfig.Grouping grouping = config.grouping();
    for (URI url : config.webhooks()) {
      String name = "webhook-" + (++i);
      ReceiverClient client = new ReceiverClient(vertx, name, "webhook", url, delivery, metrics);
      WebhookDispatcher dispatcher = new WebhookDispatcher(new WebhookDispatcher.Settings(name, grouping.groupBy(),
          grouping.groupWait().toMillis(), grouping.groupInterval().toMillis(), grouping.repeatInterval().toMillis(),
          grouping.sendResolved()));
      FunctionCounter.builder("alerting_notifications_deduplicated_total", dispatcher,
              WebhookDispatcher::duplicatesSuppressed)
          .description("Webhook flushes not sent because the receiver already had every firing alert of the group")
          .tag("receiver", name)
          .register(registry);
      WebhookChannel channel = new WebhookChannel(vertx, clock, client, dispatcher, config.externalUrl(), metrics,
          notificationLog, false);
      webhooks.put(name, channel);
      channels.add(channel);
    }
    LOG.info("delivering to {} Alertmanager(s) and {} webhook(s)", config.alertmanagers().size(),
        config.webhooks().size());
    consumer = vertx.eventBus().<NoticeBatch>localConsumer(NoticeBatch.ADDRESS, message -> {
      NoticeBatch batch = message.body();
      for (Channel channel : channels) {
        if (batch.restored()) {
          channel.restore(batch.notices());
        } else {
          channel.accept(batch.notices());
        }
      }
    });
    if (lease != null) {
      // the log's records and the lease's callbacks must reach the channels on this verticle's context
      topicsReady.get().onComplete(ar -> context.runOnContext(v -> shareDelivery()));
    }
    return consumer.completion().compose(v -> {
      List<Future<String>> deployed = new ArrayList<>();
      // a worker: one evaluation of many rules over many label sets takes tens of milliseconds,
      // which must not hold an event loop; the evaluator's state stays on that one worker context
      producers.forEach(p -> deployed.add(vertx.deployVerticle(p,
          new io.vertx.core.DeploymentOptions().setThreadingModel(io.vertx.core.ThreadingModel.WORKER))));
      return Future.all(deployed);
    });
  }

  /** Follows the notification log, then competes for the lease; each retried until Kafka answers. */
  private void shareDelivery() {
    if (stopping) {
      return;
    }
    notificationLog.follow(record -> {
      WebhookChannel channel = webhooks.get(record.receiver());
      if (channel != null) {
        channel.replicate(record.notified());
      }
    }).onSuccess(v -> competeForLease()).onFailure(e -> {
      LOG.warn("cannot follow the notification log yet ({}); retrying", e.getMessage());
      vertx.setTimer(RETRY_MS, t -> shareDelivery());
    });
  }

  private void competeForLease() {
    if (stopping) {
      return;
    }
    lease.start(this::leaseAcquired, this::leaseLost).onFailure(e -> {
      LOG.warn("cannot join the delivery lease's group yet ({}); retrying", e.getMessage());
      vertx.setTimer(RETRY_MS, t -> competeForLease());
    });
  }

  /** Sends only once the log was read to its end: what the previous holder delivered is not sent again. */
  private void leaseAcquired() {
    if (stopping || !lease.held()) {
      return;
    }
    notificationLog.readToEnd().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("cannot read the notification log to its end yet ({}); retrying", ar.cause().getMessage());
        vertx.setTimer(RETRY_MS, t -> leaseAcquired());
      } else if (!stopping && lease.held() && !delivering) {
        delivering = true;
        LOG.info("notification log read to its end: sending to the webhooks");
        webhooks.values().forEach(WebhookChannel::activate);
      }
    });
  }

  private void leaseLost() {
    delivering = false;
    webhooks.values().forEach(WebhookChannel::deactivate);
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered.compose(v -> {
      List<Future<Void>> drains = new ArrayList<>();
      channels.forEach(c -> drains.add(c.drain()));
      return Future.join(drains).timeout(DRAIN_TIMEOUT_S, TimeUnit.SECONDS)
          .onFailure(e -> LOG.warn("some notifications were still in flight at stop"));
    }).eventually(() -> {
      // what was sent is logged: the lease can go to another instance
      delivering = false;
      webhooks.values().forEach(WebhookChannel::deactivate);
      return lease == null ? Future.succeededFuture() : lease.close();
    }).eventually(() -> notificationLog == null ? Future.succeededFuture() : notificationLog.close())
        .eventually(() -> {
          List<Future<Void>> closes = new ArrayList<>();
          channels.forEach(c -> closes.add(c.close()));
          return Future.join(closes);
        });
  }
}
