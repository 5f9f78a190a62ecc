package dev.rtvoice.common.health;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

/**
 * Whether a service (one Vert.x instance) has begun to stop. Set first thing on a graceful stop, so
 * that {@code /health/ready} answers 503 while the service still serves: a load balancer takes the
 * instance out before its servers stop accepting and its in-flight requests drain.
 */
public final class Draining {
  private static final String MAP = "rtvoice.lifecycle";
  private static final String KEY = "draining";

  private Draining() {}

  public static void begin(Vertx vertx) {
    state(vertx).put(KEY, Boolean.TRUE);
  }

  public static boolean active(Vertx vertx) {
    return Boolean.TRUE.equals(state(vertx).get(KEY));
  }

  private static LocalMap<String, Boolean> state(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}
