package dev.rtvoice.sessions.api;

import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.common.limit.IngestLimiter;
import dev.rtvoice.common.limit.IngestLimiter.Scope;
import dev.rtvoice.sessions.config.IngressSettings;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.List;

/**
 * The ingress's rate limits (README "Rate limits"): every write request costs its events (1 for an
 * interrupt or a recover) and its body's bytes, per session and per user (the user from the verified
 * token, never from the body). A request over a limit is refused whole with 429 {@code rate_limited}
 * and {@code Retry-After}, before anything reaches Kafka, so one client cannot flood the partition its
 * session shares with others; the client sends the same batch again later (same {@code seq}s).
 */
final class IngressLimits {
  private final IngestLimiter limiter;

  IngressLimits(IngressSettings settings, Clock clock) {
    this.limiter = new IngestLimiter(List.of(
        new Scope("session", settings.sessionEvents(), settings.sessionBytes(), settings.maxTrackedKeys()),
        new Scope("user", settings.userEvents(), settings.userBytes(), settings.maxTrackedKeys())),
        clock::millis);
  }

  /** Charges the request, or throws the 429 (with its {@code Retry-After} header set). */
  void charge(RoutingContext ctx, String sessionId, SessionHandle caller, int events) {
    long bytes = ctx.body() == null ? 0 : ctx.body().length();
    IngestLimiter.Decision d = limiter.acquire(events, Math.max(0, bytes), sessionId, caller.userId());
    if (d.allowed()) {
      return;
    }
    long ms = d.retryAfterMs();
    ctx.response().putHeader("Retry-After", Long.toString(Math.max(1, (ms + 999) / 1000)));
    throw new ApiException(429, "rate_limited", "too many " + d.dimension() + " for this " + d.scope()
        + ": retry the same request later",
        new JsonObject().put("scope", d.scope()).put("limit", d.dimension()).put("retry_after_ms", ms));
  }

  /** Drops the keys whose buckets refilled (called periodically); returns the keys still tracked. */
  int evictIdle() {
    return limiter.evictIdle();
  }
}
