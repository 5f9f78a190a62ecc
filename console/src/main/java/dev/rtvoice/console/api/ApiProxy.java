package dev.rtvoice.console.api;

import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.console.config.ConsoleConfig;
import dev.rtvoice.console.config.ConsoleConfig.ServiceTarget;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/{token,session,metrics,alerting}/**}: the request forwarded to that service as it came
 * (method, path below the prefix, query, body, end-to-end headers), and its answer returned as it
 * came. The one thing added: session-service's operator token on the console's reads ({@code GET}
 * without an {@code Authorization} header of its own), so the page can list every session while the
 * browser never sees the token. A client's own credentials (its rotation token, its user token) pass
 * through untouched. A service that cannot be reached is a 502 {@code service_unreachable}; one too
 * slow, a 504 {@code service_timeout}; both name the service, never its address.
 */
public final class ApiProxy {
  private static final Logger LOG = LoggerFactory.getLogger(ApiProxy.class);
  private static final long BODY_LIMIT = 1024 * 1024;
  /** Hop-by-hop headers (RFC 9110 7.6.1) and what the proxy sets itself: never forwarded. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length",
      "proxy-connection");
  /** The browser's cookies for the console's origin mean nothing to the services. */
  private static final Set<String> NOT_FORWARDED = Set.of("cookie");
  private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*");

  private final ConsoleConfig config;
  private final HttpClientAgent client;
  private final MeterRegistry registry;
  private final Map<String, Timer> timers = new HashMap<>();

  public ApiProxy(Vertx vertx, ConsoleConfig config, MeterRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.client = vertx.createHttpClient(new HttpClientOptions()
            .setConnectTimeout((int) Math.min(config.proxyTimeout().toMillis(), 5_000))
            .setKeepAlive(true)
            .setDecompressionSupported(false),
        new PoolOptions().setHttp1MaxSize(32));
  }

  public void mount(Router router) {
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    router.route("/api/*").handler(this::forward);
  }

  public Future<Void> close() {
    return client.close();
  }

  private void forward(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String path = req.path();
    int slash = path.indexOf('/', "/api/".length());
    String name = slash < 0 ? path.substring("/api/".length()) : path.substring("/api/".length(), slash);
    ServiceTarget target = config.services().get(name);
    if (target == null) {
      JsonErrors.send(ctx, 404, "not_found", "no service '" + abbreviate(name) + "' behind /api (one of "
          + config.services().keySet().stream().sorted().toList() + ")", null);
      return;
    }
    String rest = slash < 0 ? "/" : path.substring(slash);
    if (!SAFE_PATH.matcher(rest).matches() || rest.contains("/../") || rest.endsWith("/..")) {
      JsonErrors.send(ctx, 400, "invalid_request", "the path below /api/" + name + " is not a plain path", null);
      return;
    }
    String query = req.query();
    String uri = target.basePath() + rest + (query == null || query.isEmpty() ? "" : "?" + query);

    RequestOptions options = new RequestOptions()
        .setMethod(req.method())
        .setHost(target.host())
        .setPort(target.port())
        .setSsl(target.tls())
        .setURI(uri)
        .setIdleTimeout(config.proxyTimeout().toMillis());
    MultiMap headers = options.getHeaders() == null ? MultiMap.caseInsensitiveMultiMap() : options.getHeaders();
    for (Map.Entry<String, String> h : req.headers()) {
      String key = h.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(key) && !NOT_FORWARDED.contains(key)) {
        headers.add(h.getKey(), h.getValue());
      }
    }
    if ("session".equals(name) && req.method() == HttpMethod.GET && !req.headers().contains(HttpHeaders.AUTHORIZATION)
        && config.operatorToken().isPresent()) {
      headers.set(HttpHeaders.AUTHORIZATION, "Bearer " + config.operatorToken().get());
    }
    String forwardedFor = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
    if (forwardedFor != null) {
      String prior = req.getHeader("x-forwarded-for");
      headers.set("x-forwarded-for", prior == null ? forwardedFor : prior + ", " + forwardedFor);
    }
    options.setHeaders(headers);

    long started = System.nanoTime();
    io.vertx.core.buffer.Buffer body = ctx.body().buffer();
    client.request(options)
        .compose(out -> body == null || body.length() == 0 ? out.send() : out.send(body))
        .compose(answer -> relay(ctx, answer))
        .onComplete(ar -> {
          int status = ar.succeeded() ? ar.result() : failed(ctx, name, ar.cause());
          timer(name, status).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        });
  }

  private static Future<Integer> relay(RoutingContext ctx, HttpClientResponse answer) {
    var response = ctx.response();
    response.setStatusCode(answer.statusCode());
    if (answer.statusMessage() != null) {
      response.setStatusMessage(answer.statusMessage());
    }
    for (Map.Entry<String, String> h : answer.headers()) {
      String key = h.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(key) || "content-length".equals(key)) {
        response.headers().add(h.getKey(), h.getValue());
      }
    }
    return answer.body().compose(b -> response.end(b)).map(v -> answer.statusCode());
  }

  private int failed(RoutingContext ctx, String name, Throwable cause) {
    String text = String.valueOf(cause);
    boolean timeout = cause instanceof java.util.concurrent.TimeoutException
        || text.toLowerCase(Locale.ROOT).contains("timeout") || text.toLowerCase(Locale.ROOT).contains("timed out");
    LOG.warn("/api/{} failed: {}", name, cause.toString());
    if (ctx.response().headWritten()) {
      ctx.request().connection().close();
      return 502;
    }
    int status = timeout ? 504 : 502;
    JsonErrors.send(ctx, status, timeout ? "service_timeout" : "service_unreachable",
        (timeout ? name + "-service did not answer within " + config.proxyTimeout().toMillis() + " ms"
            : name + "-service could not be reached") + "; retry shortly",
        new JsonObject().put("service", name));
    return status;
  }

  private Timer timer(String service, int status) {
    String statusClass = (status / 100) + "xx";
    return timers.computeIfAbsent(service + statusClass, k -> Timer.builder("console.proxy.requests")
        .description("Requests forwarded to a service, by service and status class")
        .tag("target", service)
        .tag("status", statusClass)
        .register(registry));
  }

  private static String abbreviate(String s) {
    return s.length() <= 32 ? s : s.substring(0, 32) + "...";
  }
}
