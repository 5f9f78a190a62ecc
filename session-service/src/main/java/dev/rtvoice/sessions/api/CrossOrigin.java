package dev.rtvoice.sessions.api;

import dev.rtvoice.common.http.JsonErrors;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import java.util.List;
import java.util.Set;

/**
 * CORS from the allow-list ({@code CORS_ALLOWED_ORIGINS}), as token-service does it: an exact origin,
 * an origin with any port ({@code http://localhost:*}), or {@code *}. An empty list refuses every
 * request that carries an {@code Origin} (vertx-web's CorsHandler would read "none" as "any").
 */
final class CrossOrigin {
  private CrossOrigin() {}

  static Handler<RoutingContext> handler(List<String> origins) {
    if (origins.isEmpty()) {
      return (SecurityPolicyHandler) ctx -> {
        if (ctx.request().getHeader("Origin") != null) {
          JsonErrors.send(ctx, 403, "origin_not_allowed", "cross-origin requests are not allowed "
              + "(CORS_ALLOWED_ORIGINS is empty)", null);
        } else {
          ctx.next();
        }
      };
    }
    CorsHandler cors = CorsHandler.create()
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS))
        .allowedHeaders(Set.of("Authorization", "Content-Type"))
        .exposedHeaders(Set.of("Retry-After"))
        .maxAgeSeconds(600);
    if (!origins.contains("*")) {
      for (String origin : origins) {
        if (origin.endsWith(":*")) {
          String host = origin.substring(0, origin.length() - 2);
          cors.addOriginWithRegex(java.util.regex.Pattern.quote(host) + "(:\\d{1,5})?");
        } else {
          cors.addOrigin(origin);
        }
      }
    }
    return cors;
  }
}
