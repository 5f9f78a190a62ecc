package dev.rtvoice.upstreamsim;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Errors in OpenAI's REST shape: {@code {"error":{"message","type","param","code"}}}. */
public final class OpenAiErrors {
  private OpenAiErrors() {}

  public static JsonObject body(String message, String type, String param, String code) {
    return new JsonObject().put("error", new JsonObject()
        .put("message", message)
        .put("type", type)
        .put("param", param)
        .put("code", code));
  }

  public static void send(RoutingContext ctx, int status, String message, String type, String param, String code) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(body(message, type, param, code).toBuffer());
  }

  public static void invalidRequest(RoutingContext ctx, String message, String param, String code) {
    send(ctx, 400, message, "invalid_request_error", param, code);
  }

  /** Never echoes the presented key, not even masked: the suite's logs and tests search for it. */
  public static void invalidApiKey(RoutingContext ctx) {
    send(ctx, 401, "Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");
  }
}
