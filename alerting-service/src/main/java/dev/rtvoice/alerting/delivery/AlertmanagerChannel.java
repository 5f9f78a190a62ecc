package dev.rtvoice.alerting.delivery;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;

/** An Alertmanager: its API v2, with Prometheus' re-sends. */
public final class AlertmanagerChannel extends ScheduledChannel {
  private final AlertmanagerQueue queue;
  private final DeliveryMetrics metrics;

  public AlertmanagerChannel(Vertx vertx, Clock clock, ReceiverClient client, AlertmanagerQueue queue,
                             DeliveryMetrics metrics) {
    super(vertx, clock, client);
    this.queue = queue;
    this.metrics = metrics;
  }

  @Override
  public void accept(List<AlertNotice> notices) {
    long now = clock.millis();
    notices.forEach(n -> queue.accept(n, now));
    schedule();
  }

  /** Alertmanager deduplicates by itself: restored alerts are simply sent again before their endsAt lapses. */
  @Override
  public void restore(List<AlertNotice> firing) {
    accept(firing);
  }

  @Override
  protected long nextDueAt() {
    return queue.nextDueAt();
  }

  @Override
  protected void sendDue(long now) {
    AlertmanagerQueue.Batch batch;
    while ((batch = queue.due(now)) != null) {
      AlertmanagerQueue.Batch sent = batch;
      io.vertx.core.buffer.Buffer body = Payloads.alertmanager(sent.alerts(), queue.validUntil(now)).toBuffer();
      track(client.post("/api/v2/alerts", body).onSuccess(outcome -> {
        if (outcome == ReceiverClient.Outcome.DELIVERED) {
          metrics.alertsSent(client.name(), client.integration(), sent.alerts().size());
          queue.delivered(sent, clock.millis());
        } else {
          queue.failed(sent, clock.millis());
        }
      }));
    }
  }
}
