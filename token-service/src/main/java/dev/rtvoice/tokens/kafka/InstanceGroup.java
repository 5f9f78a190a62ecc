package dev.rtvoice.tokens.kafka;

import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.kafka.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.admin.ConsumerGroupDescription;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.apache.kafka.common.ConsumerGroupState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many token-service instances are alive, from Kafka alone: every instance is a member of the
 * consumer group {@code <prefix>token-service} (subscribed to the rotation ledger, its partitions
 * paused: membership is all it is for), and after each rebalance, and every few seconds in case one
 * went unseen, asks the group coordinator how many members the group has. An instance that stops
 * leaves the group at once; one that dies is dropped after {@code KAFKA_SESSION_TIMEOUT}. Call from
 * the owning verticle's context; {@code onCount} runs there.
 */
public final class InstanceGroup {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceGroup.class);
  private static final long REFRESH_MS = 5_000;
  private static final long UNSETTLED_RETRY_MS = 250;

  private final Vertx vertx;
  private final KafkaAdminClient admin;
  private final String group;
  private final String topic;
  private final IntConsumer onCount;
  private final KafkaConsumer<String, Buffer> consumer;
  private final String clientId;
  private volatile int count;
  private volatile String lastProblem = "not a member of the group yet";
  private long refreshTimer = -1;
  private boolean describing;
  private boolean joined;
  private boolean retryPending;
  private volatile boolean closing;

  public InstanceGroup(Vertx vertx, KafkaSettings settings, KafkaAdminClient admin, String group, String topic,
                       IntConsumer onCount) {
    this.vertx = vertx;
    this.admin = admin;
    this.group = group;
    this.topic = topic;
    this.onCount = onCount;
    Map<String, String> config = settings.consumerConfig(group, "instances");
    // a static member stays counted for a session after it stops: a departing instance must leave at once
    config.remove("group.instance.id");
    config.put("auto.offset.reset", "latest");
    config.put("max.poll.records", "1");
    // unique, so that this instance finds itself among the members it is told about
    this.clientId = config.get("client.id") + "-" + UUID.randomUUID();
    config.put("client.id", clientId);
    this.consumer = KafkaConsumer.create(vertx, config);
  }

  public String group() {
    return group;
  }

  /** Joins the group (retried by the client until Kafka answers) and starts counting its members. */
  public Future<Void> start() {
    consumer.exceptionHandler(e -> {
      if (!closing) {
        lastProblem = e.getMessage();
        LOG.warn("instance group {}: {}", group, e.getMessage());
      }
    });
    consumer.partitionsAssignedHandler(assigned -> {
      joined = true;
      if (!assigned.isEmpty()) {
        // the records are the ledger's, which RotationLedger reads; polling is only how a member stays in
        consumer.pause(assigned);
      }
      refresh();
    });
    consumer.handler(record -> { });
    refreshTimer = vertx.setPeriodic(REFRESH_MS, t -> refresh());
    return consumer.subscribe(topic);
  }

  /** The number of live instances, this one included; 0 until this instance is counted. */
  public int count() {
    return count;
  }

  private void refresh() {
    if (describing || closing || !joined) {
      return;
    }
    describing = true;
    admin.describeConsumerGroups(List.of(group))
        .timeout(5, TimeUnit.SECONDS)
        .onComplete(ar -> {
          describing = false;
          if (closing) {
            return;
          }
          if (ar.failed()) {
            lastProblem = "cannot describe consumer group " + group + ": " + ar.cause().getMessage();
            LOG.warn("instance group {}: {}; keeping {} instance(s)", group, lastProblem, count);
            return;
          }
          ConsumerGroupDescription description = ar.result().get(group);
          if (description == null || description.getState() != ConsumerGroupState.STABLE
              || description.getMembers().stream().noneMatch(m -> clientId.equals(m.getClientId()))) {
            // a rebalance in progress, or this instance not in yet: the count would be wrong; ask again
            if (!retryPending) {
              retryPending = true;
              vertx.setTimer(UNSETTLED_RETRY_MS, t -> {
                retryPending = false;
                refresh();
              });
            }
            return;
          }
          int members = description.getMembers().size();
          if (members != count) {
            LOG.info("{} token-service instance(s) in group {}: this one enforces 1/{} of each rate limit", members,
                group, members);
            count = members;
            onCount.accept(members);
          }
        });
  }

  /** UP once this instance knows its share of the rate limits, i.e. how many instances there are. */
  public ReadinessCheck readiness() {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return "rate_limit_share";
      }

      @Override
      public Future<Void> check() {
        return count > 0 ? Future.succeededFuture()
            : Future.failedFuture("instance count unknown (" + lastProblem + ")");
      }
    };
  }

  /** Leaves the group, so that the other instances take over this one's share at once. */
  public Future<Void> close() {
    closing = true;
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
    }
    return consumer.close();
  }
}
