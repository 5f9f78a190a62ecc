package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.domain.PaneBatch;
import dev.rtvoice.metrics.domain.WindowAggregator;
import dev.rtvoice.metrics.prometheus.ServiceMeters;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the aggregator's panes to {@code realtime.metrics.windows} (key = metric name):
 * <ul>
 *   <li>every {@code paneInterval}, early panes of what changed and final panes of buckets the
 *       watermark passed;</li>
 *   <li>at once when a counter that a zero-threshold rule watches moved;</li>
 *   <li>while someone waits for durability (an HTTP batch, a consumed Kafka batch), at most every
 *       {@code durableInterval}: a group commit, so hundreds of batches share one flush.</li>
 * </ul>
 * One flush is in flight at a time. A flush that fails is aborted in the aggregator (its changes
 * are published again by the next one) and fails its waiters. Runs on the owning verticle's event
 * loop.
 */
public final class PaneFlusher {
  private static final Logger LOG = LoggerFactory.getLogger(PaneFlusher.class);
  private static final long MAX_RETRY_MS = 5_000;

  private final Vertx vertx;
  private final WindowAggregator aggregator;
  private final EventPublisher publisher;
  private final String topic;
  private final String source;
  private final Clock clock;
  private final long paneIntervalMs;
  private final long durableIntervalNanos;
  private final ServiceMeters meters;

  private List<Promise<Void>> waiters = new ArrayList<>();
  private boolean inFlight;
  private boolean again;
  private long scheduledTimer = -1;
  private long periodicTimer = -1;
  private long lastFlushNanos = System.nanoTime() - Duration.ofDays(1).toNanos();
  private long retryMs;

  public PaneFlusher(Vertx vertx, WindowAggregator aggregator, EventPublisher publisher, String topic, String source,
                     Clock clock, Duration paneInterval, Duration durableInterval, ServiceMeters meters) {
    this.vertx = vertx;
    this.aggregator = aggregator;
    this.publisher = publisher;
    this.topic = topic;
    this.source = source;
    this.clock = clock;
    this.paneIntervalMs = paneInterval.toMillis();
    this.durableIntervalNanos = durableInterval.toNanos();
    this.meters = meters;
  }

  /** Starts the cadence; call on the owning event loop. */
  public void start() {
    periodicTimer = vertx.setPeriodic(paneIntervalMs, t -> {
      if (!inFlight && scheduledTimer < 0 && aggregator.hasWork()) {
        flush();
      }
    });
  }

  /** Completes when everything recorded so far is in a pane on Kafka. */
  public Future<Void> durable() {
    Promise<Void> promise = Promise.promise();
    waiters.add(promise);
    schedule(false);
    return promise.future();
  }

  /** A counter that must not wait for the cadence moved: flush now. */
  public void immediate() {
    schedule(true);
  }

  private void schedule(boolean now) {
    if (inFlight) {
      again = true;
      return;
    }
    long delayNanos = now ? 0 : lastFlushNanos + durableIntervalNanos - System.nanoTime();
    if (delayNanos <= 0) {
      cancelScheduled();
      flush();
    } else if (scheduledTimer < 0) {
      scheduledTimer = vertx.setTimer(Math.max(1, delayNanos / 1_000_000), t -> {
        scheduledTimer = -1;
        flush();
      });
    }
  }

  private void cancelScheduled() {
    if (scheduledTimer >= 0) {
      vertx.cancelTimer(scheduledTimer);
      scheduledTimer = -1;
    }
  }

  private void flush() {
    if (inFlight) {
      again = true;
      return;
    }
    List<Promise<Void>> mine = waiters;
    waiters = new ArrayList<>();
    PaneBatch batch = aggregator.collect();
    if (batch.isEmpty()) {
      mine.forEach(Promise::tryComplete);
      afterFlush();
      return;
    }
    inFlight = true;
    again = false;
    lastFlushNanos = System.nanoTime();
    List<Future<?>> sent = new ArrayList<>(batch.panes().size());
    for (WindowPane pane : batch.panes()) {
      sent.add(publish(pane));
    }
    Future.all(sent).onComplete(ar -> {
      inFlight = false;
      if (ar.succeeded()) {
        batch.commit();
        retryMs = 0;
        meters.panesPublished(batch.panes());
        mine.forEach(Promise::tryComplete);
        afterFlush();
      } else {
        batch.abort();
        meters.paneFlushFailed();
        LOG.warn("publishing {} panes failed, retrying: {}", batch.panes().size(), ar.cause().toString());
        mine.forEach(p -> p.tryFail(ar.cause()));
        retryMs = retryMs == 0 ? 100 : Math.min(MAX_RETRY_MS, retryMs * 2);
        cancelScheduled();
        scheduledTimer = vertx.setTimer(retryMs, t -> {
          scheduledTimer = -1;
          flush();
        });
      }
    });
  }

  /**
   * A final pane speaks for its whole bucket; an early pane only as far as the data reaches (the
   * newest event time seen, within the bucket). Rules keep {@code for} on this event time: the
   * bucket end would put it up to a bucket ahead and let a held alert fire early.
   */
  private java.time.Instant eventTimeOf(WindowPane pane) {
    long newest = aggregator.maxEventTime();
    if (pane.finalPane() || newest == dev.rtvoice.metrics.domain.Watermark.NONE) {
      return pane.bucketEnd();
    }
    long start = pane.bucketStart().toEpochMilli();
    long end = pane.bucketEnd().toEpochMilli();
    return java.time.Instant.ofEpochMilli(Math.max(start, Math.min(end, newest)));
  }

  private Future<?> publish(WindowPane pane) {
    EventEnvelope event = EventEnvelope.create(EventType.METRICS_WINDOW, null, eventTimeOf(pane), clock.instant(),
        source, WindowPaneCodec.encode(pane));
    return publisher.publish(topic, pane.metric(), event).recover(e -> {
      if (e instanceof InvalidEventException) {
        // cannot succeed on retry (the aggregator keeps panes under the size limit; this is a bug)
        LOG.error("pane {} of bucket {} cannot be encoded, skipped: {}", pane.metric(), pane.bucketStart(),
            e.getMessage());
        meters.paneSkipped();
        return Future.succeededFuture();
      }
      return Future.failedFuture(e);
    });
  }

  private void afterFlush() {
    if (again || !waiters.isEmpty() || aggregator.immediatePending()) {
      again = false;
      schedule(aggregator.immediatePending());
    }
  }

  /**
   * Stops the cadence and publishes what is left as early panes (open buckets are not final: the
   * watermark has not passed them), so nothing accepted is lost on a graceful stop.
   */
  public Future<Void> stop() {
    if (periodicTimer >= 0) {
      vertx.cancelTimer(periodicTimer);
      periodicTimer = -1;
    }
    cancelScheduled();
    if (!aggregator.hasWork() && !inFlight && waiters.isEmpty()) {
      return Future.succeededFuture();
    }
    return durable().recover(e -> {
      LOG.warn("last panes could not be published on stop: {}", e.toString());
      return Future.succeededFuture();
    });
  }
}
