package dev.rtvoice.alerting.delivery;

import dev.rtvoice.alerting.config.AlertingServiceConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the engine's notices to every configured receiver: each Alertmanager
 * ({@code ALERTMANAGER_URL}) and each webhook ({@code ALERT_WEBHOOK_URLS}) is a channel of its own,
 * with its own client, timers and retries, so one receiver down never delays another. On stop it
 * sends what is due, and waits a bounded time for what is in flight.
 */
public final class DeliveryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryVerticle.class);
  /** Alertmanager's own default; Prometheus keeps re-sending resolved alerts this long. */
  private static final long RESOLVED_RETENTION_MS = 15 * 60_000;
  private static final long DRAIN_TIMEOUT_S = 10;

  private final AlertingServiceConfig config;
  private final MeterRegistry registry;
  private final Clock clock;
  private final List<Channel> channels = new ArrayList<>();
  private final List<io.vertx.core.Deployable> producers;
  private MessageConsumer<NoticeBatch> consumer;

  /**
   * @param producers verticles that feed delivery (the engine): deployed, as workers, as children of this one,
   *     because Vert.x undeploys children before their parent, so their last notices still reach
   *     delivery before it drains
   */
  public DeliveryVerticle(AlertingServiceConfig config, MeterRegistry registry, Clock clock,
                          List<? extends io.vertx.core.Deployable> producers) {
    this.config = config;
    this.registry = registry;
    this.clock = clock;
    this.producers = List.copyOf(producers);
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
      channels.add(new WebhookChannel(vertx, clock, client, dispatcher, config.externalUrl(), metrics));
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
    return consumer.completion().compose(v -> {
      List<Future<String>> deployed = new ArrayList<>();
      // a worker: one evaluation of many rules over many label sets takes tens of milliseconds,
      // which must not hold an event loop; the engine's state stays on that one worker context
      producers.forEach(p -> deployed.add(vertx.deployVerticle(p,
          new io.vertx.core.DeploymentOptions().setThreadingModel(io.vertx.core.ThreadingModel.WORKER))));
      return Future.all(deployed);
    });
  }

  @Override
  public Future<?> stop() {
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered.compose(v -> {
      List<Future<Void>> drains = new ArrayList<>();
      channels.forEach(c -> drains.add(c.drain()));
      return Future.join(drains).timeout(DRAIN_TIMEOUT_S, TimeUnit.SECONDS)
          .onFailure(e -> LOG.warn("some notifications were still in flight at stop"));
    }).eventually(() -> {
      List<Future<Void>> closes = new ArrayList<>();
      channels.forEach(c -> closes.add(c.close()));
      return Future.join(closes);
    });
  }
}
