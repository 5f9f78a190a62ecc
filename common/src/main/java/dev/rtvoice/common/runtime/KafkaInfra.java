package dev.rtvoice.common.runtime;

import dev.rtvoice.common.health.KafkaAccessCheck;
import dev.rtvoice.common.health.KafkaReadiness;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.kafka.KafkaErrors;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.TopicProvisioner;
import dev.rtvoice.common.kafka.TopicSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's administrative link to Kafka: it creates the topics the service owns (retrying until
 * the cluster answers, so start order does not matter) and tells readiness whether Kafka answers and
 * the topics exist.
 */
public final class KafkaInfra {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaInfra.class);
  private static final long MAX_RETRY_MS = 5_000;

  private final Vertx vertx;
  private final KafkaSettings settings;
  private final KafkaAdminClient admin;
  private final List<TopicSpec> ownedTopics;
  private final Promise<Void> topicsReady = Promise.promise();
  private volatile boolean closed;
  private volatile String lastFailure;

  public KafkaInfra(Vertx vertx, KafkaSettings settings, List<TopicSpec> ownedTopics) {
    this.vertx = vertx;
    this.settings = settings;
    this.admin = KafkaAdminClient.create(vertx, settings.adminConfig());
    this.ownedTopics = List.copyOf(ownedTopics);
  }

  /** Starts provisioning; the future completes once every owned topic exists. */
  public Future<Void> provisionTopics() {
    attempt(200);
    return topicsReady.future();
  }

  private void attempt(long nextDelayMs) {
    if (closed) {
      topicsReady.tryFail("stopped before Kafka topics were ready");
      return;
    }
    new TopicProvisioner(admin).ensure(ownedTopics).onComplete(ar -> {
      if (ar.succeeded()) {
        topicsReady.tryComplete();
      } else {
        // named variables or ACLs, never a secret: see KafkaErrors
        lastFailure = KafkaErrors.explain(ar.cause(), settings.security());
        LOG.warn("Kafka topics not ready yet ({}), retrying in {} ms", lastFailure, nextDelayMs);
        vertx.setTimer(nextDelayMs, t -> attempt(Math.min(MAX_RETRY_MS, nextDelayMs * 2)));
      }
    });
  }

  public KafkaAdminClient admin() {
    return admin;
  }

  /**
   * Ready when the cluster answers, the owned topics exist and the broker grants the service's topic
   * ACLs; a failure says what to fix (a variable, or the ACLs missing).
   */
  public ReadinessCheck readiness() {
    KafkaReadiness cluster = new KafkaReadiness(vertx, admin);
    String service = settings.clientIdPrefix();
    KafkaAccessCheck access = new KafkaAccessCheck(admin, settings.security(), service,
        KafkaAccessCheck.prefixOf(service, ownedTopics));
    return new ReadinessCheck() {
      @Override
      public String name() {
        return "kafka";
      }

      @Override
      public Future<Void> check() {
        if (!topicsReady.future().isComplete()) {
          String why = lastFailure;
          return Future.failedFuture("topics not provisioned yet" + (why == null ? "" : ": " + why));
        }
        return cluster.check()
            .recover(e -> Future.failedFuture(KafkaErrors.explain(e, settings.security())))
            .compose(v -> access.check());
      }
    };
  }

  public Future<Void> close() {
    closed = true;
    return admin.close();
  }
}
