package dev.rtvoice.alerting.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Delivery outcomes in {@code /metrics}, per receiver. */
public final class DeliveryMetrics {
  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();

  public DeliveryMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** One notification (a webhook payload or an Alertmanager batch) after its retries. */
  public void notification(String receiver, String integration, String outcome) {
    counters.computeIfAbsent("n|" + receiver + "|" + outcome, k -> Counter.builder("alerting_notifications_total")
        .description("Notifications by final outcome: delivered, failed (every retry failed), rejected (4xx)")
        .tag("receiver", receiver).tag("integration", integration).tag("outcome", outcome)
        .register(registry)).increment();
  }

  /** One HTTP attempt. */
  public void attempt(String receiver, String integration, String result, Duration took) {
    counters.computeIfAbsent("a|" + receiver + "|" + result, k -> Counter.builder("alerting_notification_attempts_total")
        .description("HTTP calls to receivers by result: 2xx, 4xx, 5xx, error (connection or timeout)")
        .tag("receiver", receiver).tag("integration", integration).tag("result", result)
        .register(registry)).increment();
    timers.computeIfAbsent(receiver, k -> Timer.builder("alerting_notification_attempt_seconds")
        .description("Duration of HTTP calls to receivers")
        .tag("receiver", receiver).tag("integration", integration)
        .register(registry)).record(took);
  }

  /** Alerts carried by a delivered notification. */
  public void alertsSent(String receiver, String integration, int alerts) {
    counters.computeIfAbsent("s|" + receiver, k -> Counter.builder("alerting_notified_alerts_total")
        .description("Alerts carried by delivered notifications")
        .tag("receiver", receiver).tag("integration", integration)
        .register(registry)).increment(alerts);
  }
}
