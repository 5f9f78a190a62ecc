package dev.rtvoice.console.api;

import dev.rtvoice.console.config.ConsoleConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The files the browser loads: the console page ({@code /}, {@code /console/*}) and the client
 * library's ES modules ({@code /client/*}), both copied into the jar from {@code clients/web} at build
 * time, as they are (no build step); and uPlot, the charts' library, from its webjar on the classpath
 * ({@code /console/vendor/uplot/uPlot.esm.js}, {@code uPlot.min.css}): no CDN, nothing fetched at run time.
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
    router.route("/console/vendor/uplot/*").handler(files(UPLOT_ROOT));
    router.route("/console/*").handler(files("webroot/console"));
    router.route("/client/*").handler(files("webroot/client"));
  }

  /** uPlot's files in its webjar (the version pinned in the parent pom, read from the webjar itself). */
  static final String UPLOT_ROOT = "META-INF/resources/webjars/uplot/" + webjarVersion("uplot") + "/dist";

  private static String webjarVersion(String name) {
    String resource = "META-INF/maven/org.webjars.npm/" + name + "/pom.properties";
    try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the " + name + " webjar is not on the classpath (" + resource + ")");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static StaticHandler files(String root) {
    // revalidated on every load (ETag/Last-Modified): a redeployed console is seen at once
    return StaticHandler.create(root).setCachingEnabled(true).setMaxAgeSeconds(0).setDirectoryListing(false)
        .setIncludeHidden(false);
  }
}
