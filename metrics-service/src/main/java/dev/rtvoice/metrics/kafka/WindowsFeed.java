package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.TopicLog;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.domain.ClusterCounterView;
import dev.rtvoice.metrics.domain.ClusterLatencyView;
import dev.rtvoice.metrics.domain.Stage;
import dev.rtvoice.metrics.prometheus.ServiceMeters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every instance's panes from {@code realtime.metrics.windows} into the
 * {@link ClusterLatencyView}: a {@link TopicLog} of all partitions, outside any consumer group (each
 * instance needs all of them), starting from the records of the last {@code lookback}, so a restarted
 * instance answers with the full hour again. Ready once it has read what the topic held when it started.
 */
public final class WindowsFeed {
  private static final Logger LOG = LoggerFactory.getLogger(WindowsFeed.class);
  /** A fresh broker can take a while to show a topic this service just created. */
  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
  private static final long CATCH_UP_RETRY_MS = 1_000;

  private final Vertx vertx;
  private final KafkaSettings settings;
  private final String topic;
  private final String clientName;
  private final ClusterLatencyView view;
  private final ClusterCounterView counters;
  private final Clock clock;
  private final Duration lookback;
  private final ServiceMeters meters;
  private TopicLog log;
  private volatile boolean caughtUp;
  private volatile boolean stopping;

  public WindowsFeed(Vertx vertx, KafkaSettings settings, String topic, String clientName, ClusterLatencyView view,
                     ClusterCounterView counters, Clock clock, Duration lookback, ServiceMeters meters) {
    this.vertx = vertx;
    this.settings = settings;
    this.topic = topic;
    this.clientName = clientName;
    this.view = view;
    this.counters = counters;
    this.clock = clock;
    this.lookback = lookback;
    this.meters = meters;
  }

  /** Starts reading at the start of the lookback; call from the owning verticle. */
  public Future<Void> start() {
    log = TopicLog.builder(vertx, settings, topic)
        .clientName(clientName)
        .fromTimestamp(Math.max(0, clock.millis() - lookback.toMillis()))
        .startTimeout(START_TIMEOUT)
        .handler(this::accept)
        .build();
    return log.start().onSuccess(v -> catchUp());
  }

  /** Ready once the first read to the end is done; a failed one (explained in the log) is asked again. */
  private void catchUp() {
    log.readToEnd().onComplete(ar -> {
      if (ar.succeeded()) {
        caughtUp = true;
        LOG.info("windows view caught up: {} buckets", view.bucketCount());
      } else if (!stopping) {
        LOG.warn("windows view not caught up yet: {}", ar.cause().getMessage());
        vertx.setTimer(CATCH_UP_RETRY_MS, t -> catchUp());
      }
    });
  }

  private void accept(KafkaConsumerRecord<String, Buffer> record) {
    try {
      EventEnvelope event = EventCodec.decode(record.value());
      if (event.type() != EventType.METRICS_WINDOW) {
        return;
      }
      JsonObject payload = event.payloadView();
      String metric = payload.getString("metric");
      if (Stage.fromMetricName(metric).isEmpty()) {
        if (counters.watches(metric)) {
          WindowPane pane = WindowPaneCodec.decode(payload);
          double increase = 0;
          for (WindowPane.Series series : pane.series()) {
            increase += series.value();
          }
          counters.accept(pane.instanceId(), metric, pane.bucketStart().toEpochMilli(),
              pane.bucketEnd().toEpochMilli(), pane.finalPane(), pane.paneVersion(), increase);
        }
        return; // other counters: nothing in the views needs them
      }
      WindowPaneCodec.Header h = WindowPaneCodec.header(payload);
      ClusterLatencyView.PaneHeader header = new ClusterLatencyView.PaneHeader(h.instanceId(), h.metric(),
          h.bucketStartMs(), h.bucketEndMs(), h.finalPane(), h.paneVersion());
      view.accept(header, () -> mergedSketch(payload));
    } catch (InvalidEventException | ClassCastException | NullPointerException | IllegalArgumentException e) {
      meters.windowRecordInvalid();
      LOG.warn("unreadable pane at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
    }
  }

  /** Decoded on demand (most early panes are superseded before a view needs them). */
  private LatencySketch mergedSketch(JsonObject payload) {
    LatencySketch merged = new LatencySketch();
    try {
      for (WindowPane.Series s : WindowPaneCodec.decode(payload).series()) {
        if (s.sketch() != null) {
          merged.merge(s.sketch());
        }
      }
    } catch (InvalidEventException e) {
      meters.windowRecordInvalid();
      LOG.warn("unreadable pane sketch: {}", e.getMessage());
    }
    return merged;
  }

  /** Ready once the panes that were on the topic at start have been read. */
  public ReadinessCheck readiness() {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return "windows_view";
      }

      @Override
      public Future<Void> check() {
        return caughtUp ? Future.succeededFuture() : Future.failedFuture("reading the last hour of panes");
      }
    };
  }

  public Future<Void> stop() {
    stopping = true;
    return log == null ? Future.succeededFuture() : log.stop();
  }
}
