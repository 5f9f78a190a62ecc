package dev.rtvoice.tokens.api;

import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.tokens.auth.AuthenticationFailure;
import dev.rtvoice.tokens.auth.Caller;
import dev.rtvoice.tokens.auth.CallerAuthenticator;
import dev.rtvoice.tokens.kafka.TokenEvents;
import dev.rtvoice.tokens.metrics.TokenMetrics;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Authenticates every {@code /v1/} request before anything else looks at it (validation included),
 * so an unauthenticated caller learns nothing about the API but "401". A refusal is answered as
 * {@code unauthenticated} with the reason, counted, and published as {@code token.denied}.
 */
final class CallerAuthHandler implements Handler<RoutingContext> {
  static final String CALLER = "caller";
  static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final CallerAuthenticator authenticator;
  private final TokenEvents events;
  private final TokenMetrics metrics;

  CallerAuthHandler(CallerAuthenticator authenticator, TokenEvents events, TokenMetrics metrics) {
    this.authenticator = authenticator;
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.request().path();
    // CORS preflights carry no credentials by design
    if (!path.startsWith("/v1/") || ctx.request().method() == HttpMethod.OPTIONS) {
      ctx.next();
      return;
    }
    Long started = ctx.get(ApiRouter.START_NANOS);
    long start = started == null ? System.nanoTime() : started;
    authenticator.authenticate(ctx.request().getHeader("Authorization")).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.put(CALLER, ar.result());
        if (ar.result().tenantIgnored()) {
          metrics.tenantClaimIgnored();
        }
        ctx.next();
        return;
      }
      String reason = ar.cause() instanceof AuthenticationFailure ? ar.cause().getMessage() : "authentication failed";
      Operation operation = Operation.of(path);
      String device = ctx.request().getHeader("X-Device-ID");
      events.denied(null, "unauthenticated", null, device != null && DEVICE_ID.matcher(device).matches() ? device
          : null, operation.label, reason);
      metrics.denied("unauthenticated");
      metrics.request(operation.label, "unauthenticated", System.nanoTime() - start);
      ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      JsonErrors.send(ctx, 401, "unauthenticated", reason, null);
    });
  }

  static Caller caller(RoutingContext ctx) {
    return ctx.get(CALLER);
  }
}
