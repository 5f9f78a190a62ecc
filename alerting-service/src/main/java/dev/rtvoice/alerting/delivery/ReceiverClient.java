package dev.rtvoice.alerting.delivery;

import dev.rtvoice.alerting.config.AlertingServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs JSON to one receiver, with retries and exponential backoff on connection errors, timeouts,
 * 5xx, 408 and 429; any other 4xx is final (the receiver refuses the payload: repeating it cannot
 * help). Each receiver has its own client and connection pool, so one that hangs or is down never
 * holds up another. Logs name the receiver, never its URL, which may carry a token.
 */
public final class ReceiverClient {
  private static final Logger LOG = LoggerFactory.getLogger(ReceiverClient.class);

  public enum Outcome { DELIVERED, REJECTED, FAILED }

  private final Vertx vertx;
  private final String name;
  private final String integration;
  private final String url;
  private final String authorization;
  private final AlertingServiceConfig.Delivery settings;
  private final DeliveryMetrics metrics;
  private final WebClient client;
  private volatile boolean closed;

  public ReceiverClient(Vertx vertx, String name, String integration, URI target, AlertingServiceConfig.Delivery settings,
                        DeliveryMetrics metrics) {
    this.vertx = vertx;
    this.name = name;
    this.integration = integration;
    this.settings = settings;
    this.metrics = metrics;
    String userInfo = target.getRawUserInfo();
    this.authorization = userInfo == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(java.net.URLDecoder.decode(userInfo, StandardCharsets.UTF_8)
            .getBytes(StandardCharsets.UTF_8));
    try {
      this.url = new URI(target.getScheme(), null, target.getHost(), target.getPort(), target.getRawPath(),
          null, null).toString() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("receiver " + name + " has an unusable URL");
    }
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
    this.client = WebClient.create(vertx, new WebClientOptions()
        .setUserAgent("rtvoice-alerting-service")
        .setConnectTimeout(Math.min(timeoutMs, 5_000))
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(4));
  }

  public String name() {
    return name;
  }

  public String integration() {
    return integration;
  }

  /** Sends {@code body}; the future always succeeds, with the final outcome. */
  public Future<Outcome> post(String path, Buffer body) {
    Promise<Outcome> done = Promise.promise();
    attempt(path, body, 0, settings.backoff().toMillis(), done);
    return done.future().onComplete(ar -> metrics.notification(name, integration,
        ar.result().name().toLowerCase()));
  }

  private void attempt(String path, Buffer body, int attempt, long backoffMs, Promise<Outcome> done) {
    if (closed) {
      done.tryComplete(Outcome.FAILED);
      return;
    }
    long started = System.nanoTime();
    HttpRequest<Buffer> request = client.postAbs(path.isEmpty() ? url : url.replaceAll("/+$", "") + path)
        .timeout(settings.timeout().toMillis())
        .putHeader("content-type", "application/json");
    if (authorization != null) {
      request.putHeader("authorization", authorization);
    }
    request.sendBuffer(body).onComplete(ar -> {
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      boolean retryable;
      if (ar.succeeded()) {
        HttpResponse<Buffer> response = ar.result();
        int status = response.statusCode();
        metrics.attempt(name, integration, status / 100 + "xx", took);
        if (status / 100 == 2) {
          done.tryComplete(Outcome.DELIVERED);
          return;
        }
        retryable = status >= 500 || status == 408 || status == 429;
        if (!retryable) {
          LOG.warn("receiver {} refused a notification with HTTP {}; not retrying", name, status);
          done.tryComplete(Outcome.REJECTED);
          return;
        }
        LOG.warn("receiver {} answered HTTP {} (attempt {})", name, status, attempt + 1);
      } else {
        metrics.attempt(name, integration, "error", took);
        LOG.warn("receiver {} unreachable (attempt {}): {}", name, attempt + 1, ar.cause().getClass().getSimpleName());
      }
      if (attempt >= settings.retries()) {
        LOG.error("receiver {}: notification failed after {} attempts", name, attempt + 1);
        done.tryComplete(Outcome.FAILED);
        return;
      }
      long delay = Math.min(backoffMs, settings.maxBackoff().toMillis());
      vertx.setTimer(Math.max(1, delay), t -> attempt(path, body, attempt + 1, backoffMs * 2, done));
    });
  }

  public Future<Void> close() {
    closed = true;
    client.close();
    return Future.succeededFuture();
  }
}
