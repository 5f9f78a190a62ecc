package dev.rtvoice.tokens.upstream;

import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.tokens.config.UpstreamSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * Upstream is reachable when its base URL answers HTTP at all (any status: DNS, TCP and TLS work).
 * The probe carries no API key and its result is reused for {@link #CACHE_MS}, so frequent readiness
 * probes cost upstream almost nothing.
 */
public final class UpstreamReadiness implements ReadinessCheck {
  static final long CACHE_MS = 5_000;

  private final WebClient client;
  private final String url;
  private volatile long checkedAtNanos;
  private volatile Future<Void> last;

  public UpstreamReadiness(Vertx vertx, UpstreamSettings settings) {
    WebClientOptions options = new WebClientOptions()
        .setConnectTimeout((int) Math.min(2_000, settings.connectTimeout().toMillis()))
        .setFollowRedirects(false);
    if ("https".equals(settings.baseUrl().getScheme())) {
      options.setSsl(true).setVerifyHost(true);
    }
    this.client = WebClient.create(vertx, options);
    this.url = settings.baseUrl() + "/";
  }

  @Override
  public String name() {
    return "upstream";
  }

  @Override
  public Future<Void> check() {
    Future<Void> cached = last;
    if (cached != null && cached.isComplete() && System.nanoTime() - checkedAtNanos < CACHE_MS * 1_000_000) {
      return cached;
    }
    checkedAtNanos = System.nanoTime();
    Future<Void> probe = client.getAbs(url).timeout(2_000).send()
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture("upstream unreachable: " + e.getClass().getSimpleName()));
    last = probe;
    return probe;
  }

  public void close() {
    client.close();
  }
}
