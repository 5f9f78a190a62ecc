package dev.rtvoice.console.api;

import dev.rtvoice.console.config.ConsoleConfig;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The files the browser loads: the console page ({@code /}, {@code /console/*}) and the client
 * library's ES modules ({@code /client/*}), both copied into the jar from {@code clients/web} at build
 * time, as they are (no build step); uPlot, the charts' library, from its webjar on the classpath
 * ({@code /console/vendor/uplot/uPlot.esm.js}, {@code uPlot.min.css}): no CDN, nothing fetched at run
 * time; and the demo voice app ({@code /demo}, {@code /demo/*}), built on {@code /client/index.js} only.
 *
 * <p>Every file served here carries the same security headers ({@link #PAGE_POLICY}): scripts, styles
 * and requests of the console's own origin only (the services through its proxy), no plugins, no
 * framing. The demo's policy adds OpenAI's calls endpoint to {@code connect-src}, for its direct mode
 * (the page posting its offer upstream with a client secret); its default, server-side call creation,
 * needs nothing beyond the origin.
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
    Handler<RoutingContext> page = headers(PAGE_POLICY);
    Handler<RoutingContext> demo = headers(DEMO_POLICY);
    router.get("/").handler(page).handler(ctx -> ctx.reroute("/console/index.html"));
    router.route("/console/vendor/uplot/*").handler(page).handler(files(UPLOT_ROOT));
    router.route("/console/*").handler(page).handler(files("webroot/console"));
    router.route("/client/*").handler(page).handler(files("webroot/client"));
    router.get("/demo").handler(demo).handler(ctx -> ctx.reroute("/demo/index.html"));
    router.route("/demo/*").handler(demo).handler(files("webroot/demo"));
  }

  /**
   * The console's pages: its origin only. {@code style-src 'unsafe-inline'} is for style attributes (the
   * latency bars' widths, uPlot's layout); no inline or foreign script runs.
   */
  static final String PAGE_POLICY = policy("'self'");
  /** The demo: the same, and OpenAI's calls endpoint for its direct mode. */
  static final String DEMO_POLICY = policy("'self' https://api.openai.com");

  private static String policy(String connect) {
    return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        + "media-src 'self' blob: mediastream:; connect-src " + connect + "; object-src 'none'; base-uri 'self'; "
        + "form-action 'self'; frame-ancestors 'none'";
  }

  private static Handler<RoutingContext> headers(String policy) {
    return ctx -> {
      // set before the file is sent; a reroute passes through again and sets the same values
      ctx.response().headers()
          .set("content-security-policy", policy)
          .set("x-content-type-options", "nosniff")
          .set("referrer-policy", "same-origin")
          .set("permissions-policy", "camera=(), geolocation=(), microphone=(self)");
      ctx.next();
    };
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
