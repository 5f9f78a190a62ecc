package dev.rtvoice.common.health;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /health/live} (the process serves HTTP), {@code /health/ready} and Prometheus
 * {@code /metrics}, the same on every service.
 *
 * <p>Ready means "this instance can serve": every check in {@code checks} (what is this instance's
 * own: its Kafka connection and access, its restored state) passes, and the service is not stopping
 * ({@link Draining}); 503 with the failing ones otherwise. {@code shared} dependencies (the same for
 * every instance: upstream, the identity provider) are reported under {@code dependencies} with their
 * last probe's outcome and never change the status (see {@link SharedDependency}).
 */
public final class HealthRoutes {
  private HealthRoutes() {}

  /** {@code checks} may include {@link SharedDependency}s: they are reported, not gating. */
  public static void mount(Router router, PrometheusMeterRegistry registry, List<ReadinessCheck> mixed) {
    List<ReadinessCheck> own = new ArrayList<>();
    List<SharedDependency> shared = new ArrayList<>();
    for (ReadinessCheck check : mixed) {
      if (check instanceof SharedDependency dependency) {
        shared.add(dependency);
      } else {
        own.add(check);
      }
    }
    mount(router, registry, own, shared);
  }

  public static void mount(Router router, PrometheusMeterRegistry registry, List<ReadinessCheck> checks,
                           List<SharedDependency> shared) {
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(ctx -> {
      if (Draining.active(ctx.vertx())) {
        ctx.response().setStatusCode(503);
        ctx.json(new JsonObject().put("status", "DOWN")
            .put("checks", new JsonObject().put("shutdown", "DOWN: stopping, draining in-flight requests"))
            .put("dependencies", dependencies(shared)));
        return;
      }
      List<Future<Void>> results = new ArrayList<>();
      for (ReadinessCheck check : checks) {
        results.add(check.check());
      }
      Future.join(results).onComplete(ar -> {
        JsonObject detail = new JsonObject();
        boolean up = true;
        for (int i = 0; i < checks.size(); i++) {
          Future<Void> r = results.get(i);
          if (r.succeeded()) {
            detail.put(checks.get(i).name(), "UP");
          } else {
            up = false;
            detail.put(checks.get(i).name(), "DOWN: " + r.cause().getMessage());
          }
        }
        ctx.response().setStatusCode(up ? 200 : 503);
        JsonObject body = new JsonObject().put("status", up ? "UP" : "DOWN").put("checks", detail);
        if (!shared.isEmpty()) {
          body.put("dependencies", dependencies(shared));
        }
        ctx.json(body);
      });
    });
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
  }

  private static JsonObject dependencies(List<SharedDependency> shared) {
    JsonObject out = new JsonObject();
    for (SharedDependency d : shared) {
      out.put(d.name(), d.status());
    }
    return out;
  }
}
