package dev.rtvoice.tokens.upstream;

import dev.rtvoice.tokens.config.UpstreamSettings;
import dev.rtvoice.tokens.domain.SessionSettings;
import dev.rtvoice.tokens.domain.UpstreamFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One attempt at {@code POST /v1/realtime/client_secrets}, OpenAI's GA endpoint, with a hard
 * deadline. Success is a {@link MintedSecret}; anything else fails with an
 * {@link UpstreamCallException} that classifies it. The API key goes only into the Authorization
 * header; upstream's error bodies are read for nothing but are never logged or returned.
 */
public final class UpstreamClient {
  private final Vertx vertx;
  private final WebClientOptions options;
  private final PoolOptions pool;
  /** Replaced by {@link #renewConnections()}; read by every event loop. */
  private volatile WebClient client;
  private final String url;
  private final String authorization;
  private final String instructions;
  private final JsonArray tools;
  private final Clock clock;

  public UpstreamClient(Vertx vertx, UpstreamSettings settings, String instructions, JsonArray tools, Clock clock) {
    WebClientOptions options = new WebClientOptions()
        .setConnectTimeout((int) settings.connectTimeout().toMillis())
        .setKeepAlive(true)
        .setUserAgent("rtvoice-token-service")
        .setFollowRedirects(false);
    if ("https".equals(settings.baseUrl().getScheme())) {
      options.setSsl(true).setVerifyHost(true);
    }
    // bounded queue: a stalled upstream must not turn into unbounded memory here
    this.pool = new PoolOptions().setHttp1MaxSize(settings.maxConnections()).setMaxWaitQueueSize(10_000);
    this.vertx = vertx;
    this.options = options;
    this.client = WebClient.create(vertx, options, pool);
    this.url = settings.clientSecretsUrl();
    this.authorization = "Bearer " + settings.apiKey().reveal();
    this.instructions = instructions;
    this.tools = tools;
    this.clock = clock;
  }

  /** The body OpenAI expects: the secret's lifetime and the session it opens. */
  JsonObject requestBody(SessionSettings settings) {
    return new JsonObject()
        .put("expires_after", new JsonObject().put("anchor", "created_at").put("seconds", settings.ttlSeconds()))
        .put("session", RealtimeSessionConfig.of(settings, instructions, tools));
  }

  public Future<MintedSecret> mint(SessionSettings settings, long timeoutMs) {
    Future<HttpResponse<Buffer>> response;
    try {
      response = client.postAbs(url)
          .putHeader("Authorization", authorization)
          .putHeader("Content-Type", "application/json")
          .connectTimeout(timeoutMs)
          .idleTimeout(timeoutMs)
          .sendBuffer(requestBody(settings).toBuffer());
    } catch (RuntimeException e) {
      return Future.failedFuture(new UpstreamCallException(UpstreamFailure.of(UpstreamFailure.Kind.UNREACHABLE),
          "request could not be sent: " + e.getClass().getSimpleName()));
    }
    return response.timeout(timeoutMs, TimeUnit.MILLISECONDS).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(classifyTransportFailure(ar.cause(), timeoutMs));
      }
      return interpret(ar.result());
    });
  }

  private Future<MintedSecret> interpret(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      long retryAfter = RetryAfter.parseMs(response.getHeader("Retry-After"), clock.instant());
      return Future.failedFuture(new UpstreamCallException(UpstreamFailure.ofStatus(status, retryAfter),
          "upstream answered HTTP " + status));
    }
    try {
      JsonObject body = new JsonObject(response.body());
      Object value = body.getValue("value");
      Object expiresAt = body.getValue("expires_at");
      if (!(value instanceof String v) || v.isEmpty() || !(expiresAt instanceof Number e)) {
        return invalid("upstream's answer has no value or expires_at");
      }
      Object session = body.getValue("session");
      return Future.succeededFuture(new MintedSecret(v, Instant.ofEpochSecond(e.longValue()),
          session instanceof JsonObject s ? s : new JsonObject()));
    } catch (RuntimeException e) {
      return invalid("upstream's answer is not a JSON object");
    }
  }

  private static Future<MintedSecret> invalid(String message) {
    return Future.failedFuture(new UpstreamCallException(UpstreamFailure.of(UpstreamFailure.Kind.INVALID_RESPONSE),
        message));
  }

  static UpstreamCallException classifyTransportFailure(Throwable cause, long timeoutMs) {
    if (cause instanceof TimeoutException) {
      return new UpstreamCallException(UpstreamFailure.of(UpstreamFailure.Kind.TIMEOUT),
          "no answer from upstream within " + timeoutMs + " ms");
    }
    String kind = cause instanceof ConnectException ? "connection refused" : cause.getClass().getSimpleName();
    return new UpstreamCallException(UpstreamFailure.of(UpstreamFailure.Kind.UNREACHABLE),
        "upstream unreachable (" + kind + ")");
  }

  /**
   * Starts a fresh connection pool and closes the old one, which fails whatever still waits in it.
   * Called when the circuit opens: the failures that opened it (timeouts, mostly) say the pooled
   * connections may be bad (half-open behind a load balancer, or every slot held by a call that will
   * never answer), and the probe that may close the circuit again must not queue behind them. Seen
   * once under load: after the circuit opened during a cold start, every probe for minutes waited its
   * whole 5 s for a connection while upstream answered other clients at once.
   */
  public void renewConnections() {
    WebClient old = client;
    client = WebClient.create(vertx, options, pool);
    old.close();
  }

  public void close() {
    client.close();
  }
}
