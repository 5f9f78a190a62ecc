package dev.rtvoice.metrics.ingest;

import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.metrics.domain.OutageCredit;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka is known to be down, so that telemetry writes are refused at once (503
 * {@code unavailable}) instead of queued behind writes that cannot succeed, and when it was: every
 * outage goes into the {@link OutageCredit}, which excuses the lateness it causes. A probe (the
 * cluster readiness check) runs every {@code probeInterval}, one at a time, whether or not writes
 * come (an instance that only consumes must know of an outage too): a probe that fails, or a write
 * that failed or missed its deadline, marks Kafka down; a probe that answers, or a write that
 * succeeds, marks it up. Runs on the owning verticle's event loop.
 */
public final class KafkaAvailability {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaAvailability.class);

  private final Vertx vertx;
  private final ReadinessCheck probe;
  private final long probeIntervalMs;
  private final OutageCredit outages;
  private final Clock clock;
  private boolean down;
  private long probeTimer = -1;
  private boolean closed;

  public KafkaAvailability(Vertx vertx, ReadinessCheck probe, Duration probeInterval, OutageCredit outages,
                           Clock clock) {
    this.vertx = vertx;
    this.probe = probe;
    this.probeIntervalMs = Math.max(1, probeInterval.toMillis());
    this.outages = outages;
    this.clock = clock;
  }

  /** Starts probing. */
  public void start() {
    scheduleProbe();
  }

  /** Whether new writes are refused now. */
  public boolean down() {
    return down;
  }

  public void writeSucceeded() {
    if (down) {
      LOG.info("Kafka takes writes again");
      outages.up(clock.millis());
    }
    down = false;
  }

  /** A write failed or missed its deadline; an event that cannot be encoded says nothing about Kafka. */
  public void writeFailed(Throwable cause) {
    if (cause instanceof InvalidEventException || closed) {
      return;
    }
    markDown(cause.toString());
  }

  private void markDown(String why) {
    if (!down) {
      LOG.warn("Kafka marked down, refusing telemetry writes until it answers: {}", why);
      outages.down(clock.millis());
    }
    down = true;
  }

  private void scheduleProbe() {
    if (!closed) {
      probeTimer = vertx.setTimer(probeIntervalMs, t -> probe());
    }
  }

  private void probe() {
    probeTimer = -1;
    if (closed) {
      return;
    }
    probe.check().onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.succeeded()) {
        writeSucceeded();
      } else {
        markDown("Kafka does not answer: " + ar.cause().getMessage());
      }
      scheduleProbe();
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
