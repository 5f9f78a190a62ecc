package dev.rtvoice.common.health;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Upstream (the OpenAI API, or the simulator) is reachable when its base URL answers HTTP at all:
 * any status, so DNS, TCP and TLS work; authorization is not its business. The probe carries no API
 * key, its body is drained and dropped, and its result is reused for {@link #CACHE_MS}, so frequent
 * readiness probes cost upstream almost nothing. Used by token-service (always) and session-service
 * (when the sideband is on).
 */
public final class UpstreamReadiness implements ReadinessCheck {
  static final long CACHE_MS = 5_000;
  private static final long PROBE_TIMEOUT_MS = 2_000;

  private final HttpClient client;
  private final URI baseUrl;
  // read and written from any event loop: a race costs at most one extra probe
  private volatile long checkedAtNanos;
  private volatile Future<Void> last;

  /**
   * @param connectTimeout the service's upstream connect timeout; the probe uses at most 2 s of it
   */
  public UpstreamReadiness(Vertx vertx, URI baseUrl, Duration connectTimeout) {
    // https in the URL turns TLS on for the request; host names are verified (the options' default)
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) Math.min(PROBE_TIMEOUT_MS, connectTimeout.toMillis())));
    this.baseUrl = baseUrl;
  }

  @Override
  public String name() {
    return "upstream";
  }

  @Override
  public Future<Void> check() {
    Future<Void> cached = last;
    if (cached != null && cached.isComplete()
        && System.nanoTime() - checkedAtNanos < TimeUnit.MILLISECONDS.toNanos(CACHE_MS)) {
      return cached;
    }
    checkedAtNanos = System.nanoTime();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(baseUrl + "/").setFollowRedirects(false).setTimeout(PROBE_TIMEOUT_MS);
    Future<Void> probe = client.request(options)
        .compose(request -> request.send())
        .compose(response -> {
          response.handler(chunk -> { }); // drained, never buffered
          return response.end();
        })
        .timeout(PROBE_TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture("upstream " + baseUrl.getHost() + " unreachable: "
            + e.getClass().getSimpleName()));
    last = probe;
    return probe;
  }

  public Future<Void> close() {
    return client.close();
  }
}
