package dev.rtvoice.alerting.delivery;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;

/**
 * A webhook receiver: Alertmanager's grouping and deduplication, then its webhook payload.
 *
 * <p>Of several instances, one sends (the one holding the delivery lease): the others run the same
 * dispatcher without sending, and take in its {@link NotificationLog} records, so that whichever
 * instance is {@link #activate() activated} next sends exactly what the receiver does not have yet.
 */
public final class WebhookChannel extends ScheduledChannel {
  private final WebhookDispatcher dispatcher;
  private final String externalUrl;
  private final DeliveryMetrics metrics;
  private final NotificationLog log;
  private boolean active;

  /**
   * @param active whether it sends from the start (a single instance), or waits for {@link #activate()}
   */
  public WebhookChannel(Vertx vertx, Clock clock, ReceiverClient client, WebhookDispatcher dispatcher,
                        String externalUrl, DeliveryMetrics metrics, NotificationLog log, boolean active) {
    super(vertx, clock, client);
    this.dispatcher = dispatcher;
    this.externalUrl = externalUrl;
    this.metrics = metrics;
    this.log = log;
    this.active = active;
  }

  /** This instance delivers from now on: what is due (per the shared log) leaves now. */
  public void activate() {
    active = true;
    schedule();
  }

  /** Another instance delivers: nothing new is sent (calls in flight finish and are logged). */
  public void deactivate() {
    active = false;
  }

  public boolean active() {
    return active;
  }

  /** A notification the receiver took from another instance (or from this one before a restart). */
  public void replicate(WebhookDispatcher.Notified notified) {
    dispatcher.replicate(notified);
    schedule();
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

  /**
   * Alerts firing before a restart join their groups like any notice: whether the receiver already
   * has them is the notification log's to say, so a page whose delivery the restart cut off is sent.
   */
  @Override
  public void restore(List<AlertNotice> firing) {
    accept(firing);
  }

  @Override
  protected long nextDueAt() {
    return active ? dispatcher.nextDueAt() : Long.MAX_VALUE;
  }

  @Override
  protected void sendDue(long now) {
    if (!active) {
      return;
    }
    for (WebhookDispatcher.Flush flush : dispatcher.due(now)) {
      List<AlertNotice> alerts = dispatcher.payloadAlerts(flush);
      if (alerts.isEmpty()) {
        // everything resolved and send_resolved is off: only the log moves, as in Alertmanager
        track(log.record(client.name(), dispatcher.delivered(flush, now)));
        continue;
      }
      io.vertx.core.buffer.Buffer body = Payloads.webhook(client.name(), flush.groupKey(), flush.groupLabels(), alerts,
          externalUrl).toBuffer();
      track(client.post("", body).compose(outcome -> {
        if (outcome == ReceiverClient.Outcome.DELIVERED) {
          metrics.alertsSent(client.name(), client.integration(), alerts.size());
          return log.record(client.name(), dispatcher.delivered(flush, clock.millis()));
        }
        dispatcher.failed(flush, clock.millis());
        return io.vertx.core.Future.succeededFuture();
      }));
    }
  }

  @Override
  protected void beforeDrain(long now) {
    dispatcher.dueNowIfNeverFlushed(now);
  }
}
