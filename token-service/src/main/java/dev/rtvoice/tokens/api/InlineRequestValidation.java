package dev.rtvoice.tokens.api;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import io.vertx.openapi.validation.impl.ValidatedRequestImpl;
import java.util.HashMap;
import java.util.Map;

/**
 * Validates a route's requests against the contract on the event loop that serves them, with
 * vertx-openapi's own parameter and body validation and the router's own failure (a
 * {@link ValidatorException} becomes a 400 {@link HttpException}).
 *
 * <p>Why not the router's validation: vertx-openapi 5.0.7 runs every request's validation through
 * {@code executeBlocking}, ordered per context: two thread hand-offs per request and, on each event
 * loop, one validation at a time on the worker pool. Against the cached schema validators
 * ({@link CachedValidatorsContract}) a validation is tens of microseconds of CPU, far less than the
 * hand-offs cost on a busy machine (the issuance benchmark's tail, see the README). The body is
 * already bounded (16 KiB) before this runs, so no request can hold the loop for long.
 *
 * <p>{@link Validator} extends the library's {@code impl} class and repeats its short loop over the
 * operation's parameters: on a vertx-openapi upgrade, check whether the router still validates on a
 * worker thread (then keep this) and that the loop still matches {@code RequestValidatorImpl}'s.
 */
final class InlineRequestValidation implements Handler<RoutingContext> {
  private final Operation operation;
  private final Validator validator;
  private final RequestExtractor extractor;

  private InlineRequestValidation(Operation operation, Validator validator, RequestExtractor extractor) {
    this.operation = operation;
    this.validator = validator;
    this.extractor = extractor;
  }

  /** Turns the router's validation off for this route and puts this one first among its handlers. */
  static OpenAPIRoute install(OpenAPIRoute route, Vertx vertx, OpenAPIContract contract, RequestExtractor extractor) {
    return route.setDoValidation(false)
        .addHandler(new InlineRequestValidation(route.getOperation(), new Validator(vertx, contract), extractor));
  }

  @Override
  public void handle(RoutingContext ctx) {
    extractor.extractValidatableRequest(ctx, operation)
        .map(request -> validator.validateNow(request, operation))
        .onSuccess(validated -> {
          ctx.put(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST, validated);
          ctx.next();
        })
        .onFailure(e -> ctx.fail(e instanceof ValidatorException
            ? new HttpException(400, e.getMessage(), e) : e));
  }

  /** The library's validator, its checks called directly instead of on a worker thread. */
  static final class Validator extends RequestValidatorImpl {
    Validator(Vertx vertx, OpenAPIContract contract) {
      super(vertx, contract);
    }

    ValidatedRequest validateNow(ValidatableRequest request, Operation operation) {
      Map<String, RequestParameter> cookies = new HashMap<>();
      Map<String, RequestParameter> headers = new HashMap<>();
      Map<String, RequestParameter> path = new HashMap<>();
      Map<String, RequestParameter> query = new HashMap<>();
      for (Parameter parameter : operation.getParameters()) {
        String name = parameter.getName();
        switch (parameter.getIn()) {
          case COOKIE -> cookies.put(name, validateParameter(parameter, request.getCookies().get(name)));
          case HEADER -> headers.put(name, validateParameter(parameter, request.getHeaders().get(name)));
          case PATH -> path.put(name, validateParameter(parameter, request.getPathParameters().get(name)));
          case QUERY -> query.put(name, validateParameter(parameter, request.getQuery().get(name)));
          default -> { }
        }
      }
      RequestParameter body = validateBody(operation.getRequestBody(), request);
      return new ValidatedRequestImpl(cookies, headers, path, query, body);
    }
  }
}
