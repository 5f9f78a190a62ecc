package dev.rtvoice.common.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * Serves a service's OpenAPI document at {@code GET /openapi.yaml}. Each service keeps its document
 * as a classpath resource under its own name ({@code openapi/<service>.yaml}), so the one-command
 * stack, which runs every service on one classpath, serves each service its own.
 */
public final class ApiDocument {
  public static final String PATH = "/openapi.yaml";

  private ApiDocument() {}

  /** The classpath resource of a service's document. */
  public static String resourceOf(String service) {
    return "openapi/" + service + ".yaml";
  }

  public static void mount(Router router, String service) {
    String resource = resourceOf(service);
    router.get(PATH).handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .sendFile(resource)
        .onFailure(ctx::fail));
  }
}
