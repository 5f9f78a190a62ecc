package dev.rtvoice.tokens.kafka;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.tokens.domain.BrokerAvailability;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.client.producer.RecordMetadata;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes that an answer waits for: each completes when the record is durable (acks=all) or fails
 * once the deadline passed. A failure marks Kafka known down ({@link BrokerAvailability}) and starts
 * probing the cluster every {@link #PROBE_INTERVAL_MS}; a successful write or probe clears it.
 */
public final class DurableWriter {
  private static final Logger LOG = LoggerFactory.getLogger(DurableWriter.class);
  static final long PROBE_INTERVAL_MS = 1_000;

  private final Vertx vertx;
  private final TokenEventProducer producer;
  private final KafkaAdminClient admin;
  private final long deadlineMs;
  private final BrokerAvailability availability;
  private final Clock clock;
  private final AtomicBoolean probing = new AtomicBoolean();
  private volatile boolean closed;

  public DurableWriter(Vertx vertx, TokenEventProducer producer, KafkaAdminClient admin, Duration deadline,
                       BrokerAvailability availability, Clock clock) {
    this.vertx = vertx;
    this.producer = producer;
    this.admin = admin;
    this.deadlineMs = deadline.toMillis();
    this.availability = availability;
    this.clock = clock;
  }

  public Future<RecordMetadata> write(String topic, String key, Buffer value) {
    return watched(producer.write(topic, key, value));
  }

  public Future<RecordMetadata> write(String topic, EventEnvelope event) {
    return watched(producer.publish(topic, event));
  }

  /** Kafka did not take a write within its deadline lately, and no probe has reached it since. */
  public boolean knownDown() {
    return availability.knownDown();
  }

  public long deadlineMs() {
    return deadlineMs;
  }

  private Future<RecordMetadata> watched(Future<RecordMetadata> sent) {
    // the producer gives up at the deadline itself; this bound only guards against a send that never calls back
    return sent.timeout(deadlineMs + 1_000, TimeUnit.MILLISECONDS)
        .onSuccess(m -> availability.reachable())
        .onFailure(e -> down(e));
  }

  private void down(Throwable cause) {
    boolean wasUp = !availability.knownDown();
    availability.writeFailed(clock.millis());
    if (wasUp) {
      LOG.warn("a Kafka write was not durable within {} ms ({}): issuance and rotation are refused until Kafka "
          + "answers again", deadlineMs, cause.toString());
    }
    if (!closed && probing.compareAndSet(false, true)) {
      vertx.setTimer(PROBE_INTERVAL_MS, t -> probe());
    }
  }

  private void probe() {
    if (closed) {
      probing.set(false);
      return;
    }
    if (!availability.knownDown()) {
      probing.set(false);
      // a write may have failed between the check and the reset: then this prober carries on
      if (!availability.knownDown() || !probing.compareAndSet(false, true)) {
        return;
      }
    }
    admin.describeCluster()
        .timeout(PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          if (ar.succeeded() && !ar.result().getNodes().isEmpty()) {
            long since = availability.downSinceMs();
            // reset before clearing, so a failure right after starts a new prober
            probing.set(false);
            availability.reachable();
            if (since >= 0) {
              LOG.info("Kafka answers again after about {} ms: accepting issuance and rotation",
                  clock.millis() - since);
            }
          } else {
            vertx.setTimer(PROBE_INTERVAL_MS, t -> probe());
          }
        });
  }

  public void close() {
    closed = true;
  }
}
