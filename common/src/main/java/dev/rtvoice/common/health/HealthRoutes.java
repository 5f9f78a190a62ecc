package dev.rtvoice.common.health;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /health/live} (the process serves HTTP), {@code /health/ready} (every dependency answers;
 * 503 with the failing ones otherwise) and Prometheus {@code /metrics}, the same on every service.
 */
public final class HealthRoutes {
  private HealthRoutes() {}

  public static void mount(Router router, PrometheusMeterRegistry registry, List<ReadinessCheck> checks) {
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(ctx -> {
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
        ctx.json(new JsonObject().put("status", up ? "UP" : "DOWN").put("checks", detail));
      });
    });
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
  }
}
