package dev.rtvoice.common.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler of every router: whatever went wrong becomes
 * {@code {"error":{"code","message"}}} with the right status. Unexpected failures are logged with an
 * id and answered as a bare 500 carrying that id, never a stack trace or an exception message.
 */
public final class JsonErrors {
  private static final Logger LOG = LoggerFactory.getLogger(JsonErrors.class);

  private JsonErrors() {}

  /**
   * Makes every failure of {@code router} JSON: thrown exceptions and failed contexts, and also the
   * errors the router raises itself (no route, wrong method, body too large).
   */
  public static void install(Router router) {
    router.route().failureHandler(JsonErrors::handle);
    for (int status : new int[] {400, 401, 403, 404, 405, 406, 413, 415, 500}) {
      router.errorHandler(status, JsonErrors::handle);
    }
  }

  public static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = ctx.statusCode();
    if (failure instanceof ApiException api) {
      send(ctx, api.status(), api.code(), api.getMessage(), api.details());
    } else if (failure instanceof HttpException http) {
      int code = http.getStatusCode();
      send(ctx, code, codeFor(code), messageFor(code, http.getPayload()), null);
    } else if (failure instanceof io.vertx.core.json.DecodeException) {
      send(ctx, 400, "invalid_json", "request body is not valid JSON", null);
    } else if (failure == null && status > 0 && status < 500) {
      send(ctx, status, codeFor(status), messageFor(status, null), null);
    } else {
      String incident = UUID.randomUUID().toString();
      LOG.error("unexpected failure on {} {} (incident {})", ctx.request().method(), ctx.request().path(), incident,
          failure);
      send(ctx, 500, "internal_error", "internal error (incident " + incident + ")", null);
    }
  }

  public static void send(RoutingContext ctx, int status, String code, String message, JsonObject details) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      ctx.request().connection().close();
      return;
    }
    JsonObject error = new JsonObject().put("code", code).put("message", message);
    if (details != null) {
      details.forEach(e -> error.put(e.getKey(), e.getValue()));
    }
    response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", error).toBuffer());
  }

  static String codeFor(int status) {
    return switch (status) {
      case 400 -> "invalid_request";
      case 401 -> "unauthenticated";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 406 -> "not_acceptable";
      case 409 -> "conflict";
      case 413 -> "payload_too_large";
      case 415 -> "unsupported_media_type";
      case 429 -> "rate_limited";
      case 503 -> "unavailable";
      default -> status >= 500 ? "internal_error" : "http_" + status;
    };
  }

  private static String messageFor(int status, String payload) {
    if (payload != null && !payload.isBlank() && status < 500) {
      return payload;
    }
    return switch (status) {
      case 400 -> "bad request";
      case 401 -> "authentication required";
      case 403 -> "forbidden";
      case 404 -> "no such resource";
      case 405 -> "method not allowed";
      case 413 -> "request body too large";
      case 415 -> "unsupported content type";
      case 429 -> "too many requests";
      case 503 -> "service unavailable";
      default -> status >= 500 ? "internal error" : "request failed";
    };
  }
}
