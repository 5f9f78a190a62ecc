package dev.rtvoice.alerting.delivery;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;

/** A webhook receiver: Alertmanager's grouping and deduplication, then its webhook payload. */
public final class WebhookChannel extends ScheduledChannel {
  private final WebhookDispatcher dispatcher;
  private final String externalUrl;
  private final DeliveryMetrics metrics;

  public WebhookChannel(Vertx vertx, Clock clock, ReceiverClient client, WebhookDispatcher dispatcher,
                        String externalUrl, DeliveryMetrics metrics) {
    super(vertx, clock, client);
    this.dispatcher = dispatcher;
    this.externalUrl = externalUrl;
    this.metrics = metrics;
  }

  public WebhookDispatcher dispatcher() {
    return dispatcher;
  }

  @Override
  public void accept(List<AlertNotice> notices) {
    long now = clock.millis();
    notices.forEach(n -> dispatcher.accept(n, now));
    schedule();
  }

  @Override
  public void restore(List<AlertNotice> firing) {
    long now = clock.millis();
    firing.forEach(n -> dispatcher.restoreNotified(n, now));
    schedule();
  }

  @Override
  protected long nextDueAt() {
    return dispatcher.nextDueAt();
  }

  @Override
  protected void sendDue(long now) {
    for (WebhookDispatcher.Flush flush : dispatcher.due(now)) {
      List<AlertNotice> alerts = dispatcher.payloadAlerts(flush);
      if (alerts.isEmpty()) {
        // everything resolved and send_resolved is off: only the log moves, as in Alertmanager
        dispatcher.delivered(flush, now);
        continue;
      }
      io.vertx.core.buffer.Buffer body = Payloads.webhook(client.name(), flush.groupKey(), flush.groupLabels(), alerts,
          externalUrl).toBuffer();
      track(client.post("", body).onSuccess(outcome -> {
        if (outcome == ReceiverClient.Outcome.DELIVERED) {
          metrics.alertsSent(client.name(), client.integration(), alerts.size());
          dispatcher.delivered(flush, clock.millis());
        } else {
          dispatcher.failed(flush, clock.millis());
        }
      }));
    }
  }

  @Override
  protected void beforeDrain(long now) {
    dispatcher.dueNowIfNeverFlushed(now);
  }
}
