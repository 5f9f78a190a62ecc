package dev.rtvoice.common.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import java.util.List;

/**
 * The one CORS handler of every service, first on its router. A request without {@code Origin}
 * passes untouched. One from an origin the {@link CorsPolicy} refuses is answered 403
 * {@code origin_not_allowed}, preflight included, and goes no further. An allowed preflight
 * ({@code OPTIONS} with {@code Access-Control-Request-Method}) is answered 204 here; any other allowed
 * request goes on with the CORS response headers set.
 */
public final class CrossOrigin implements SecurityPolicyHandler {
  static final String ALLOWED_METHODS = "GET, HEAD, POST";
  static final String ALLOWED_HEADERS = "Authorization, Content-Type, X-Device-ID";
  static final String EXPOSED_HEADERS = "Retry-After";
  static final String MAX_AGE_SECONDS = "600";

  private final CorsPolicy policy;

  private CrossOrigin(CorsPolicy policy) {
    this.policy = policy;
  }

  public static CrossOrigin handler(CorsPolicy policy) {
    return new CrossOrigin(policy);
  }

  /** For a service whose configuration already holds the validated list. */
  public static CrossOrigin handler(List<String> origins) {
    return new CrossOrigin(CorsPolicy.of(origins));
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    List<String> origins = request.headers().getAll("Origin");
    if (origins.isEmpty()) {
      ctx.next();
      return;
    }
    MultiMap headers = ctx.response().headers();
    headers.add("Vary", "Origin");
    String origin = origins.get(0);
    if (origins.size() > 1 || !policy.allows(origin)) {
      JsonErrors.send(ctx, 403, "origin_not_allowed", "requests from this origin are not allowed "
          + "(see CORS_ALLOWED_ORIGINS)", null);
      return;
    }
    headers.set("Access-Control-Allow-Origin", policy.allowsAny() ? "*" : origin);
    if (request.method() == HttpMethod.OPTIONS && request.headers().contains("Access-Control-Request-Method")) {
      headers.add("Vary", "Access-Control-Request-Method").add("Vary", "Access-Control-Request-Headers");
      headers.set("Access-Control-Allow-Methods", ALLOWED_METHODS)
          .set("Access-Control-Allow-Headers", ALLOWED_HEADERS)
          .set("Access-Control-Max-Age", MAX_AGE_SECONDS);
      ctx.response().setStatusCode(204).end();
      return;
    }
    headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    ctx.next();
  }
}
