package dev.rtvoice.console.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.TopicLog;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.console.domain.ClusterCounters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;

/**
 * Follows {@code realtime.metrics.windows} (every partition, from the retained span back) and feeds
 * each counter pane, summed over its label sets, to {@link ClusterCounters}. Latency panes are not
 * the console's: it shows those through metrics-service's budget report, already merged. A record
 * that is not a valid pane is counted and skipped: metrics-service and alerting-service dead-letter
 * it already, and the console has no business writing to Kafka. Records arrive on the context that
 * called {@link #start()}, which owns the counters.
 */
public final class CounterWindowsFeed {
  private final TopicLog log;
  private final ClusterCounters counters;
  private final Counter invalid;
  private volatile boolean caughtUp;

  public CounterWindowsFeed(Vertx vertx, KafkaSettings settings, String topic, long fromMs, ClusterCounters counters,
                            MeterRegistry registry) {
    this.counters = counters;
    this.invalid = Counter.builder("console_window_records_invalid_total")
        .description("Records of the windows topic the console could not read as a pane (skipped)")
        .register(registry);
    this.log = TopicLog.builder(vertx, settings, topic)
        .clientName("console-windows")
        .fromTimestamp(Math.max(0, fromMs))
        .handler(this::handle)
        .metrics(registry)
        .build();
  }

  /** Starts following; the future completes once the history present at start was read. */
  public Future<Void> start() {
    return log.start().compose(v -> log.readToEnd()).onSuccess(v -> caughtUp = true);
  }

  /** Whether the history present at start was read (before that, totals are partial). */
  public boolean caughtUp() {
    return caughtUp;
  }

  private void handle(KafkaConsumerRecord<String, Buffer> record) {
    try {
      EventEnvelope event = EventCodec.decode(record.value());
      if (event.type() != EventType.METRICS_WINDOW) {
        throw new InvalidEventException("type", "not a metrics.window event");
      }
      WindowPane pane = WindowPane.fromJson(event.payloadView());
      if (pane.kind() != WindowPane.Kind.COUNTER) {
        return;
      }
      double total = 0;
      for (WindowPane.Series s : pane.series()) {
        total += s.value();
      }
      counters.accept(new ClusterCounters.Part(pane.instanceId(), pane.metric(), pane.bucketStart().toEpochMilli(),
          pane.bucketEnd().toEpochMilli(), pane.paneVersion(), total));
    } catch (InvalidEventException | NullPointerException e) {
      invalid.increment();
    }
  }

  public Future<Void> stop() {
    return log.stop();
  }
}
