package dev.rtvoice.common.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/**
 * The HTTP server of every service and the console. Whatever a client sends, the answer to a fault of
 * its own is a 4xx with the suite's JSON error: the router's failures through {@link JsonErrors#install},
 * and here what never reaches the router (a request line or headers too long, malformed headers, an
 * unknown HTTP version), and what no route should have to defend against ({@link EdgeChecks}: a
 * percent-encoding that does not decode, a form body). The server speaks HTTP/1.x only: no cleartext HTTP/2 upgrade, whose
 * errors would bypass all of this (and which no client of the suite uses).
 */
public final class HttpEdge {
  private HttpEdge() {}

  /**
   * A server for {@code router}, not yet listening; the router must have had {@link JsonErrors#install}.
   */
  public static HttpServer server(Vertx vertx, HttpServerOptions options, Router router) {
    HttpServerOptions http1 = new HttpServerOptions(options).setHttp2ClearTextEnabled(false);
    return vertx.createHttpServer(http1)
        .invalidRequestHandler(JsonErrors::invalidRequest)
        .connectionHandler(HttpVersionGuard::install)
        .requestHandler(request -> {
          EdgeChecks.Refusal refusal = EdgeChecks.check(request);
          if (refusal == null) {
            router.handle(request);
          } else {
            JsonErrors.refuse(request, refusal.status(), refusal.code(), refusal.message());
          }
        });
  }
}
