package dev.rtvoice.common.health;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;

/** Ready when the cluster answers a metadata request (describe cluster) and has a controller. */
public final class KafkaReadiness implements ReadinessCheck {
  private final Vertx vertx;
  private final KafkaAdminClient admin;

  public KafkaReadiness(Vertx vertx, KafkaAdminClient admin) {
    this.vertx = vertx;
    this.admin = admin;
  }

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public Future<Void> check() {
    return admin.describeCluster()
        .timeout(3, java.util.concurrent.TimeUnit.SECONDS)
        .compose(cluster -> cluster.getNodes().isEmpty()
            ? Future.failedFuture("no broker in the cluster")
            : Future.<Void>succeededFuture());
  }
}
