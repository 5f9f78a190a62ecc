package dev.rtvoice.metrics.ingest;

import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.health.ReadinessCheck;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka is known to be down, so that telemetry writes are refused at once (503
 * {@code unavailable}) instead of queued behind writes that cannot succeed. A write that failed or
 * missed its deadline marks Kafka down; from then on a probe (the cluster readiness check) runs every
 * {@code probeInterval} and the first answer marks it up again, as does any write that succeeds.
 * Runs on the owning verticle's event loop.
 */
public final class KafkaAvailability {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaAvailability.class);

  private final Vertx vertx;
  private final ReadinessCheck probe;
  private final long probeIntervalMs;
  private boolean down;
  private long probeTimer = -1;
  private boolean closed;

  public KafkaAvailability(Vertx vertx, ReadinessCheck probe, Duration probeInterval) {
    this.vertx = vertx;
    this.probe = probe;
    this.probeIntervalMs = Math.max(1, probeInterval.toMillis());
  }

  /** Whether new writes are refused now. */
  public boolean down() {
    return down;
  }

  public void writeSucceeded() {
    if (down) {
      LOG.info("Kafka takes writes again");
    }
    down = false;
  }

  /** A write failed or missed its deadline; an event that cannot be encoded says nothing about Kafka. */
  public void writeFailed(Throwable cause) {
    if (cause instanceof InvalidEventException || closed) {
      return;
    }
    if (!down) {
      LOG.warn("Kafka marked down, refusing telemetry writes until it answers: {}", cause.toString());
    }
    down = true;
    if (probeTimer < 0) {
      probeTimer = vertx.setTimer(probeIntervalMs, t -> probe());
    }
  }

  private void probe() {
    probeTimer = -1;
    if (!down || closed) {
      return;
    }
    probe.check().onComplete(ar -> {
      if (ar.succeeded()) {
        writeSucceeded();
      } else if (down && !closed && probeTimer < 0) {
        probeTimer = vertx.setTimer(probeIntervalMs, t -> probe());
      }
    });
  }

  public void close() {
    closed = true;
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
      probeTimer = -1;
    }
  }
}
