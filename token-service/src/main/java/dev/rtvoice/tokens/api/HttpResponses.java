package dev.rtvoice.tokens.api;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/** Headers every answer of this API carries. */
final class HttpResponses {
  private HttpResponses() {}

  /** Client secrets and rotation tokens must never sit in a cache, shared or private. */
  static HttpServerResponse noStore(RoutingContext ctx) {
    return ctx.response().putHeader("Cache-Control", "no-store").putHeader("Pragma", "no-cache");
  }
}
