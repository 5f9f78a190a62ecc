package dev.rtvoice.console.api;

import dev.rtvoice.console.config.ConsoleConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The files the browser loads: the console page ({@code /}, {@code /console/*}) and the client
 * library's ES modules ({@code /client/*}), both copied into the jar from {@code clients/web} at build
 * time, as they are (no build step).
 */
public final class ConsoleRoutes {
  private ConsoleRoutes() {}

  public static void mount(Router router, ConsoleConfig config) {
    JsonObject settings = new JsonObject()
        .put("refresh_ms", config.refreshMs())
        .put("api", new JsonObject()
            .put("token", "/api/token")
            .put("session", "/api/session")
            .put("metrics", "/api/metrics")
            .put("alerting", "/api/alerting"));
    router.get("/console/settings.json").handler(ctx -> {
      ctx.response().putHeader("cache-control", "no-store");
      ctx.json(settings);
    });
    router.get("/").handler(ctx -> ctx.reroute("/console/index.html"));
    router.route("/console/*").handler(files("webroot/console"));
    router.route("/client/*").handler(files("webroot/client"));
  }

  private static StaticHandler files(String root) {
    // revalidated on every load (ETag/Last-Modified): a redeployed console is seen at once
    return StaticHandler.create(root).setCachingEnabled(true).setMaxAgeSeconds(0).setDirectoryListing(false)
        .setIncludeHidden(false);
  }
}
