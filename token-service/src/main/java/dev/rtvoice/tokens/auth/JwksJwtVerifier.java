package dev.rtvoice.tokens.auth;

import dev.rtvoice.tokens.domain.TenantClaim;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokens signed by an identity provider whose public keys are published as a JWKS. The key set is
 * fetched at start (retrying until it answers; readiness waits for it), refreshed periodically, and
 * refreshed early when a token names a key id we do not know (the provider rotated its keys), at
 * most once per {@link #MIN_REFRESH_INTERVAL} (or the refresh period, if shorter), so forged key ids cannot make us hammer the provider.
 */
public final class JwksJwtVerifier implements JwtVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(JwksJwtVerifier.class);
  static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final WebClient client;
  private final String url;
  private final String issuer;
  private final String audience;
  private final Duration leeway;
  private final Duration refreshEvery;
  private final TenantClaim tenantClaim;
  private final long minRefreshNanos;
  private final Promise<Void> loaded = Promise.promise();
  private volatile JWTAuth auth;
  private volatile long lastFetchNanos;
  private volatile Future<Void> inFlight;
  private volatile String lastFetchFailure = "no key fetch finished yet";
  private long refreshTimer = -1;
  private volatile boolean closed;

  public JwksJwtVerifier(Vertx vertx, String url, String issuer, String audience, Duration leeway,
                         Duration refreshEvery, TenantClaim tenantClaim) {
    this.vertx = vertx;
    this.tenantClaim = tenantClaim;
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(3_000));
    this.url = url;
    this.issuer = issuer;
    this.audience = audience;
    this.leeway = leeway;
    this.refreshEvery = refreshEvery;
    this.minRefreshNanos = Math.min(MIN_REFRESH_INTERVAL.toNanos(), refreshEvery.toNanos());
  }

  /** Starts fetching; the returned future completes on the first successful load. */
  public Future<Void> start() {
    fetchUntilLoaded(500);
    refreshTimer = vertx.setPeriodic(refreshEvery.toMillis(), t -> refresh());
    return loaded.future();
  }

  private void fetchUntilLoaded(long retryMs) {
    if (closed) {
      return;
    }
    refresh().onFailure(e -> {
      LOG.warn("JWKS from {} not loaded yet ({}), retrying in {} ms", url, e.getMessage(), retryMs);
      vertx.setTimer(retryMs, t -> fetchUntilLoaded(Math.min(10_000, retryMs * 2)));
    });
  }

  @Override
  public Future<Void> ready() {
    return auth != null ? Future.succeededFuture() : Future.failedFuture("JWKS not loaded yet from " + url);
  }

  @Override
  public Future<Void> providerAnswered() {
    String failure = lastFetchFailure;
    return failure == null ? Future.succeededFuture() : Future.failedFuture(failure);
  }

  @Override
  public Future<Caller> verify(String jwt) {
    JWTAuth current = auth;
    if (current == null) {
      return Future.failedFuture(new AuthenticationFailure("the identity provider's keys are not loaded yet"));
    }
    return VertxJwtVerifier.verify(current, jwt, tenantClaim).recover(e -> {
      if (!isUnknownKey(e) || System.nanoTime() - lastFetchNanos < minRefreshNanos) {
        return Future.failedFuture(e);
      }
      return refresh().transform(ar -> VertxJwtVerifier.verify(auth, jwt, tenantClaim));
    });
  }

  private static boolean isUnknownKey(Throwable e) {
    return e instanceof AuthenticationFailure f && f.getMessage().contains("signature")
        || VertxJwtVerifier.unknownKey(e);
  }

  /** One fetch at a time; concurrent callers share it. */
  synchronized Future<Void> refresh() {
    if (inFlight != null) {
      return inFlight;
    }
    lastFetchNanos = System.nanoTime();
    Future<Void> fetch = client.getAbs(url).timeout(TimeUnit.SECONDS.toMillis(5)).send().compose(response -> {
      if (response.statusCode() != 200) {
        return Future.failedFuture("JWKS answered HTTP " + response.statusCode());
      }
      JsonArray keys;
      try {
        keys = response.bodyAsJsonObject().getJsonArray("keys");
      } catch (RuntimeException e) {
        return Future.failedFuture("JWKS is not a JSON object with a keys array");
      }
      if (keys == null || keys.isEmpty()) {
        return Future.failedFuture("JWKS has no keys");
      }
      List<JsonObject> jwks = new ArrayList<>();
      for (Object key : keys) {
        if (key instanceof JsonObject k) {
          jwks.add(k);
        }
      }
      auth = JWTAuth.create(vertx, new JWTAuthOptions().setJwks(jwks)
          .setJWTOptions(HmacJwtVerifier.options(issuer, audience, leeway)));
      loaded.tryComplete();
      LOG.info("loaded {} key(s) from JWKS {}", jwks.size(), url);
      return Future.<Void>succeededFuture();
    });
    inFlight = fetch;
    fetch.onComplete(ar -> {
      lastFetchFailure = ar.succeeded() ? null : "JWKS " + url + ": " + ar.cause().getMessage();
      synchronized (this) {
        inFlight = null;
      }
    });
    return fetch;
  }

  @Override
  public Future<Void> close() {
    closed = true;
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
    }
    client.close();
    return Future.succeededFuture();
  }
}
