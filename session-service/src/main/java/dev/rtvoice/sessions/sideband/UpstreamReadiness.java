package dev.rtvoice.sessions.sideband;

import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.sessions.config.UpstreamSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;

/**
 * Upstream answers HTTP (any status: reachability, not authorization). Checked only when the sideband
 * is on; the answer is cached for a few seconds so that probes do not hammer upstream.
 */
public final class UpstreamReadiness implements ReadinessCheck {
  private static final long CACHE_MS = 5_000;

  private final HttpClient client;
  private final UpstreamSettings settings;
  private long checkedAt;
  private Future<Void> last;

  public UpstreamReadiness(Vertx vertx, UpstreamSettings settings) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000));
    this.settings = settings;
  }

  @Override
  public String name() {
    return "upstream";
  }

  @Override
  public synchronized Future<Void> check() {
    long now = System.currentTimeMillis();
    if (last != null && last.isComplete() && now - checkedAt < CACHE_MS) {
      return last;
    }
    checkedAt = now;
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
        .setAbsoluteURI(settings.baseUrl().toString() + "/health/live").setTimeout(2_000);
    last = client.request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body().<Void>mapEmpty())
        .timeout(3, TimeUnit.SECONDS)
        .recover(e -> Future.failedFuture("upstream " + settings.baseUrl().getHost() + " unreachable: "
            + e.getClass().getSimpleName()));
    return last;
  }

  public Future<Void> close() {
    return client.close();
  }
}
