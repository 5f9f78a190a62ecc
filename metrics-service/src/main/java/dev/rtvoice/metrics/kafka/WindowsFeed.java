package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.domain.ClusterLatencyView;
import dev.rtvoice.metrics.domain.Stage;
import dev.rtvoice.metrics.prometheus.ServiceMeters;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.PartitionInfo;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndTimestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every instance's panes from {@code realtime.metrics.windows} into the
 * {@link ClusterLatencyView}: all partitions, outside any consumer group (each instance needs all of
 * them), starting from the records of the last {@code lookback}, so a restarted instance answers
 * with the full hour again. Ready once it has read what the topic held when it started.
 */
public final class WindowsFeed {
  private static final Logger LOG = LoggerFactory.getLogger(WindowsFeed.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

  private final Vertx vertx;
  private final KafkaSettings settings;
  private final String topic;
  private final String clientName;
  private final ClusterLatencyView view;
  private final Clock clock;
  private final Duration lookback;
  private final ServiceMeters meters;
  private final Promise<Void> stopped = Promise.promise();
  private KafkaConsumer<String, Buffer> consumer;
  private final Map<TopicPartition, Long> catchUpTargets = new HashMap<>();
  private volatile boolean caughtUp;
  private volatile boolean stopping;
  private boolean polling;

  public WindowsFeed(Vertx vertx, KafkaSettings settings, String topic, String clientName, ClusterLatencyView view,
                     Clock clock, Duration lookback, ServiceMeters meters) {
    this.vertx = vertx;
    this.settings = settings;
    this.topic = topic;
    this.clientName = clientName;
    this.view = view;
    this.clock = clock;
    this.lookback = lookback;
    this.meters = meters;
  }

  /** Assigns every partition and seeks to the start of the lookback; call from the owning verticle. */
  public Future<Void> start() {
    consumer = KafkaConsumer.create(vertx, settings.readerConfig(clientName));
    consumer.exceptionHandler(e -> LOG.warn("windows reader error", e));
    return partitions().compose(infos -> {
      Set<TopicPartition> partitions = new HashSet<>();
      infos.forEach(i -> partitions.add(new TopicPartition(topic, i.getPartition())));
      long since = clock.millis() - lookback.toMillis();
      Map<TopicPartition, Long> times = new HashMap<>();
      partitions.forEach(tp -> times.put(tp, since));
      return consumer.assign(partitions)
          .compose(v -> consumer.offsetsForTimes(times))
          .compose(starts -> consumer.endOffsets(partitions).compose(ends -> seek(partitions, starts, ends)));
    }).onSuccess(v -> {
      polling = true;
      poll();
    });
  }

  /**
   * The topic's partitions once the metadata shows them: a topic created a moment ago (on a fresh
   * broker, by this very service) can still answer none, and assigning none would read nothing.
   */
  private Future<List<PartitionInfo>> partitions() {
    return consumer.partitionsFor(topic).compose(infos -> {
      if (!infos.isEmpty() || stopping) {
        return Future.succeededFuture(infos);
      }
      LOG.info("no partitions of {} visible yet, asking again", topic);
      Promise<Void> later = Promise.promise();
      vertx.setTimer(200, t -> later.complete());
      return later.future().compose(v -> partitions());
    });
  }

  private Future<Void> seek(Set<TopicPartition> partitions, Map<TopicPartition, OffsetAndTimestamp> starts,
                            Map<TopicPartition, Long> ends) {
    List<Future<Void>> seeks = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp start = starts.get(tp);
      long end = ends.getOrDefault(tp, 0L);
      if (start == null) {
        seeks.add(consumer.seekToEnd(tp)); // nothing within the lookback
      } else {
        seeks.add(consumer.seek(tp, start.getOffset()));
        if (start.getOffset() < end) {
          catchUpTargets.put(tp, end);
        }
      }
    }
    caughtUp = catchUpTargets.isEmpty();
    return Future.all(seeks).mapEmpty();
  }

  private void poll() {
    if (stopping) {
      polling = false;
      stopped.tryComplete();
      return;
    }
    consumer.poll(POLL_TIMEOUT).onComplete(ar -> {
      if (ar.succeeded()) {
        handle(ar.result());
        poll();
      } else {
        LOG.warn("windows reader poll failed, retrying", ar.cause());
        vertx.setTimer(500, t -> poll());
      }
    });
  }

  private void handle(KafkaConsumerRecords<String, Buffer> records) {
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, Buffer> record = records.recordAt(i);
      accept(record);
      if (!caughtUp) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Long target = catchUpTargets.get(tp);
        if (target != null && record.offset() + 1 >= target) {
          catchUpTargets.remove(tp);
          caughtUp = catchUpTargets.isEmpty();
          if (caughtUp) {
            LOG.info("windows view caught up: {} buckets", view.bucketCount());
          }
        }
      }
    }
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
        return; // counters: nothing in the view needs them
      }
      ClusterLatencyView.PaneHeader header = new ClusterLatencyView.PaneHeader(
          requireText(payload, "instance_id"), metric,
          payload.getLong("bucket_start_ms"), payload.getLong("bucket_end_ms"),
          "final".equals(payload.getString("pane")), payload.getLong("pane_version"));
      view.accept(header, () -> mergedSketch(payload));
    } catch (InvalidEventException | ClassCastException | NullPointerException | IllegalArgumentException e) {
      meters.windowRecordInvalid();
      LOG.warn("unreadable pane at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
    }
  }

  private static String requireText(JsonObject payload, String field) {
    String value = payload.getString(field);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(field + " missing");
    }
    return value;
  }

  /** Decoded on demand (most early panes are superseded before a view needs them). */
  private LatencySketch mergedSketch(JsonObject payload) {
    LatencySketch merged = new LatencySketch();
    try {
      for (WindowPane.Series s : WindowPane.fromJson(payload).series()) {
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
    if (consumer == null) {
      return Future.succeededFuture();
    }
    if (!polling) {
      stopped.tryComplete();
    }
    return stopped.future().eventually(() -> consumer.close());
  }
}
