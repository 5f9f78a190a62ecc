package dev.rtvoice.sessions.api;

import dev.rtvoice.common.health.ReadinessCheck;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fail fast on a broker outage. The ingress writes through this gate: a write that is not durable
 * within its deadline fails (the client is answered 503 with {@code Retry-After}, and retries with
 * the same {@code seq} / {@code interrupt_id}, which the owner applies once), and marks Kafka down.
 * While Kafka is known to be down, new writes are refused at once instead of being queued in the
 * producer for its delivery timeout. A probe (the Kafka readiness check) runs every
 * {@code probeInterval}, one at a time: it marks Kafka down when the cluster does not answer and up
 * again when it does; a write that succeeds also marks it up.
 */
final class KafkaGate {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaGate.class);

  /** A write that was not durable within its deadline. */
  static final class DeadlineExceeded extends TimeoutException {
    DeadlineExceeded(long ms) {
      super("Kafka did not acknowledge within the request deadline of " + ms + " ms");
    }
  }

  private final Vertx vertx;
  private final ReadinessCheck probe;
  private final long probeIntervalMs;
  private volatile boolean down;
  private volatile String why = "";
  private volatile boolean closed;
  private long probeTimer = -1;

  KafkaGate(Vertx vertx, ReadinessCheck probe, Duration probeInterval) {
    this.vertx = vertx;
    this.probe = probe;
    this.probeIntervalMs = probeInterval.toMillis();
  }

  void start() {
    scheduleProbe();
  }

  void close() {
    closed = true;
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
    }
  }

  /** Whether writes are refused now (Kafka known to be down); {@link #reason()} says why. */
  boolean down() {
    return down;
  }

  String reason() {
    return why;
  }

  /**
   * {@code write} bounded by {@code deadlineMs}: fails with {@link DeadlineExceeded} when it is not done
   * by then (it may still become durable later; the client's retry is recognized). Must be called on
   * the caller's event loop (the timer runs there).
   */
  <T> Future<T> within(Future<T> write, long deadlineMs) {
    if (deadlineMs <= 0) {
      markDown("a request deadline passed before its write was sent");
      return Future.failedFuture(new DeadlineExceeded(0));
    }
    Promise<T> result = Promise.promise();
    long timer = vertx.setTimer(deadlineMs, t -> {
      if (result.tryFail(new DeadlineExceeded(deadlineMs))) {
        markDown("a write was not acknowledged within " + deadlineMs + " ms");
      }
    });
    write.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        markUp();
        result.tryComplete(ar.result());
      } else {
        if (isOutage(ar.cause())) {
          markDown(ar.cause().toString());
        }
        result.tryFail(ar.cause());
      }
    });
    return result.future();
  }

  private static boolean isOutage(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof RetriableException || t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private void scheduleProbe() {
    if (!closed) {
      probeTimer = vertx.setTimer(probeIntervalMs, t -> probe.check().onComplete(ar -> {
        if (ar.succeeded()) {
          markUp();
        } else {
          markDown("Kafka does not answer: " + ar.cause().getMessage());
        }
        scheduleProbe();
      }));
    }
  }

  private void markDown(String reason) {
    if (!down) {
      LOG.warn("Kafka marked down, writes are refused until it answers again: {}", reason);
    }
    why = reason;
    down = true;
  }

  private void markUp() {
    if (down) {
      LOG.info("Kafka answers again, writes accepted");
    }
    down = false;
  }
}
