package dev.rtvoice.tokens.api;

import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.common.http.JsonErrors;
import io.vertx.core.VertxException;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.openapi.validation.ValidatorException;

/**
 * The failures this API produces that common's {@link JsonErrors} does not know: the OpenAPI
 * validator's (wrapped in a 400 HttpException) and the CORS handler's origin refusal. Both become
 * the suite's JSON error shape; everything else goes on to {@link JsonErrors}.
 */
final class ApiFailures {
  private ApiFailures() {}

  static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof HttpException http && http.getCause() instanceof ValidatorException invalid) {
      ApiException api = ValidationErrors.toApiException(invalid);
      HttpResponses.noStore(ctx);
      JsonErrors.send(ctx, api.status(), api.code(), api.getMessage(), api.details());
    } else if (failure instanceof ValidatorException invalid) {
      ApiException api = ValidationErrors.toApiException(invalid);
      JsonErrors.send(ctx, api.status(), api.code(), api.getMessage(), api.details());
    } else if (ctx.statusCode() == 403 && failure instanceof VertxException
        && String.valueOf(failure.getMessage()).startsWith("CORS")) {
      JsonErrors.send(ctx, 403, "origin_not_allowed", "requests from this origin are not allowed", null);
    } else {
      ctx.next();
    }
  }
}
