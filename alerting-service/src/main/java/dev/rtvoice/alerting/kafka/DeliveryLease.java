package dev.rtvoice.alerting.kafka;

import dev.rtvoice.common.kafka.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which instance sends to the webhooks: the one Kafka's group coordinator gives the single
 * partition of {@code realtime.alerts.notifications} to, in the consumer group
 * {@code <prefix>alerting-service-delivery}. An instance that stops leaves the group and the lease
 * moves at once; one killed loses it when its session times out ({@code KAFKA_SESSION_TIMEOUT}),
 * and another holds it within a heartbeat of that. The sticky assignor keeps the lease where it is
 * when an instance joins, so a deployment that adds instances does not move delivery around.
 * Call from the delivery verticle's context; {@code acquired} and {@code lost} run on it.
 */
public final class DeliveryLease {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryLease.class);

  private final String topic;
  private final KafkaConsumer<String, Buffer> consumer;
  private final Set<TopicPartition> held = new HashSet<>();
  private boolean closing;

  public DeliveryLease(Vertx vertx, KafkaSettings settings, String topicPrefix, String topic) {
    this.topic = topic;
    Map<String, String> config = settings.consumerConfig(topicPrefix + settings.clientIdPrefix() + "-delivery",
        "delivery");
    // the successor learns of a dead holder at its next heartbeat: keep that well under the 2 s it has
    long session = settings.sessionTimeout().toMillis();
    config.put("heartbeat.interval.ms", Long.toString(Math.max(100, Math.min(500, session / 6))));
    config.put("partition.assignment.strategy",
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    config.put("auto.offset.reset", "latest");
    config.put("max.poll.records", "100");
    // a static member does not leave the group when it stops, which would hold the lease a session long
    config.remove("group.instance.id");
    this.consumer = KafkaConsumer.create(vertx, config);
  }

  /** Joins the group; {@code acquired} runs when this instance gets the lease, {@code lost} when it loses it. */
  public Future<Void> start(Runnable acquired, Runnable lost) {
    consumer.exceptionHandler(e -> {
      if (!closing) {
        LOG.warn("delivery lease consumer error: {}", e.getMessage());
      }
    });
    consumer.partitionsAssignedHandler(assigned -> {
      boolean had = !held.isEmpty();
      held.addAll(assigned);
      if (!had && !held.isEmpty() && !closing) {
        LOG.info("this instance now delivers to the webhooks (lease {} acquired)", topic);
        acquired.run();
      }
    });
    consumer.partitionsRevokedHandler(revoked -> {
      boolean had = !held.isEmpty();
      held.removeAll(revoked);
      if (had && held.isEmpty()) {
        LOG.info("another instance delivers to the webhooks now (lease {} released)", topic);
        lost.run();
      }
    });
    // the records (what the holder logs) are read by the notification log; polling keeps membership
    consumer.handler(record -> { });
    return consumer.subscribe(topic);
  }

  public boolean held() {
    return !held.isEmpty();
  }

  /** Leaves the group, so that another instance takes the lease without waiting for a session timeout. */
  public Future<Void> close() {
    closing = true;
    return consumer.close();
  }
}
