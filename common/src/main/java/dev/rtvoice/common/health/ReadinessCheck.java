package dev.rtvoice.common.health;

import io.vertx.core.Future;

/** One dependency that must answer before the service takes traffic (Kafka, upstream). */
public interface ReadinessCheck {
  String name();

  /** Succeeds when the dependency answers; must complete within a couple of seconds. */
  Future<Void> check();
}
