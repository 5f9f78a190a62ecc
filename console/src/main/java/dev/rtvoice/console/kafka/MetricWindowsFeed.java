package dev.rtvoice.console.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.TopicLog;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.console.domain.ClusterCounters;
import dev.rtvoice.console.domain.LatencyHistory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Follows {@code realtime.metrics.windows} (every partition, from the retained span back) and feeds
 * each counter pane, summed over its label sets, to {@link ClusterCounters}, and each latency pane,
 * merged over its platforms, to {@link LatencyHistory}. A few counters are also split by the one label
 * the console shows them by ({@link #SPLIT_BY}: rollovers by outcome, hang-ups by reason), as parts
 * named {@code metric{label="value"}}. A record that is not a valid pane is counted and skipped:
 * metrics-service and alerting-service dead-letter it already, and the console has no business
 * writing to Kafka. Records arrive on the context that called {@link #start()}, which owns both.
 */
public final class MetricWindowsFeed {
  /** Counters shown by one label as well as in total (label values are metrics-service's, capped there). */
  public static final Map<String, String> SPLIT_BY = Map.of(
      "session_rollover_total", "outcome",
      "call_hangup_total", "reason",
      "session_budget_exceeded_total", "scope");
  private static final Pattern LABEL_VALUE = Pattern.compile("[a-z0-9_]{1,64}");
  private final TopicLog log;
  private final ClusterCounters counters;
  private final LatencyHistory latency;
  private final Counter invalid;
  private final Counter refused;
  private volatile boolean caughtUp;

  public MetricWindowsFeed(Vertx vertx, KafkaSettings settings, String topic, long fromMs, ClusterCounters counters,
                           LatencyHistory latency, MeterRegistry registry) {
    this.counters = counters;
    this.latency = latency;
    this.invalid = Counter.builder("console_window_records_invalid_total")
        .description("Records of the windows topic the console could not read as a pane (skipped)")
        .register(registry);
    this.refused = Counter.builder("console_latency_panes_refused_total")
        .description("Latency panes over the per-step bound of the console's history (left out of it)")
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
      WindowPane pane = WindowPaneCodec.decode(event.payloadView());
      if (pane.kind() == WindowPane.Kind.LATENCY) {
        acceptLatency(pane);
      } else {
        acceptCounter(pane);
      }
    } catch (InvalidEventException | NullPointerException e) {
      invalid.increment();
    }
  }

  private void acceptLatency(WindowPane pane) {
    if (LatencyHistory.stageOf(pane.metric()) == null) {
      return;
    }
    LatencySketch merged = new LatencySketch();
    for (WindowPane.Series s : pane.series()) {
      merged.merge(s.sketch());
    }
    if (latency.accept(pane.instanceId(), pane.metric(), pane.bucketStart().toEpochMilli(),
        pane.bucketEnd().toEpochMilli(), pane.finalPane(), pane.paneVersion(), merged)
        == LatencyHistory.Outcome.REFUSED) {
      refused.increment();
    }
  }

  private void acceptCounter(WindowPane pane) {
    double total = 0;
    String label = SPLIT_BY.get(pane.metric());
    Map<String, Double> byValue = label == null ? Map.of() : new TreeMap<>();
    for (WindowPane.Series s : pane.series()) {
      total += s.value();
      if (label != null) {
        String value = s.labels().get(label);
        byValue.merge(value != null && LABEL_VALUE.matcher(value).matches() ? value : "other", s.value(), Double::sum);
      }
    }
    long start = pane.bucketStart().toEpochMilli();
    long end = pane.bucketEnd().toEpochMilli();
    counters.accept(new ClusterCounters.Part(pane.instanceId(), pane.metric(), start, end, pane.paneVersion(), total));
    byValue.forEach((value, sum) -> counters.accept(new ClusterCounters.Part(pane.instanceId(),
        pane.metric() + "{" + label + "=\"" + value + "\"}", start, end, pane.paneVersion(), sum)));
  }

  public Future<Void> stop() {
    return log.stop();
  }
}
