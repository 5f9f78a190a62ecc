package dev.rtvoice.alerting.delivery;

import io.vertx.core.Future;

/**
 * Where a webhook channel records each notification its receiver took, so that another instance
 * taking delivery over does not send it again (Alertmanager's notification log, shared through
 * Kafka instead of gossip).
 */
@FunctionalInterface
public interface NotificationLog {
  /** A log that keeps nothing beyond the dispatcher's own memory. */
  NotificationLog NONE = (receiver, notified) -> Future.succeededFuture();

  /** Completes once the record is durable (or failed to be: the notification was sent either way). */
  Future<Void> record(String receiver, WebhookDispatcher.Notified notified);
}
