package dev.rtvoice.tokens.api;

import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.health.SharedDependency;
import dev.rtvoice.common.http.ApiDocument;
import dev.rtvoice.common.http.CrossOrigin;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.tokens.calls.CallsApi;
import dev.rtvoice.tokens.config.TokenServiceConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.List;

/**
 * The HTTP surface: the API routes built from its OpenAPI document (openapi/token-service.yaml) by
 * vertx-web-openapi-router, with, in this order for every request: CORS, the 16 KiB body limit (413),
 * caller authentication for {@code /v1/} (401), validation against the document on the request's own
 * event loop ({@link InlineRequestValidation}; 400), the handler.
 * Health and metrics routes sit on the same router.
 */
public final class ApiRouter {
  /** Where the request's arrival time is kept, so latency covers authentication and validation too. */
  static final String START_NANOS = "start-nanos";
  /** The contract, also served at {@code /openapi.yaml}. */
  public static final String CONTRACT = ApiDocument.resourceOf("token-service");

  private ApiRouter() {}

  /** Parses the contract once; the result is shared by every event loop's router. */
  public static Future<OpenAPIContract> contract(Vertx vertx) {
    return OpenAPIContract.from(vertx, CONTRACT).map(CachedValidatorsContract::new);
  }

  public static Router create(Vertx vertx, OpenAPIContract contract, TokenServiceConfig config, ApiServices services,
                              PrometheusMeterRegistry registry, List<ReadinessCheck> readiness,
                              List<SharedDependency> sharedDependencies) {
    RequestExtractor extractor = RequestExtractor.withBodyHandler();
    RouterBuilder builder = RouterBuilder.create(vertx, contract, extractor);
    builder.rootHandler((PlatformHandler) ctx -> {
      ctx.put(START_NANOS, System.nanoTime());
      ctx.next();
    });
    builder.rootHandler(CrossOrigin.handler(config.corsOrigins()));
    builder.rootHandler(BodyHandler.create(false).setBodyLimit(TokenServiceConfig.MAX_BODY_BYTES));
    builder.rootHandler(new CallerAuthHandler(services.authenticator(), services.events(), services.metrics()));

    SessionsApi api = SessionsApi.create(config, services);
    route(builder, "createSession", vertx, contract, extractor).addHandler(api::issue);
    route(builder, "rotateSession", vertx, contract, extractor).addHandler(api::rotate);
    route(builder, "refreshSession", vertx, contract, extractor).addHandler(api::refresh);
    CallsApi calls = CallsApi.create(vertx, config, services);
    route(builder, "createCall", vertx, contract, extractor)
        .addHandler(ctx -> calls.create(ctx, CallerAuthHandler.caller(ctx), startNanos(ctx)));

    Router router = builder.createRouter();
    HealthRoutes.mount(router, registry, readiness, sharedDependencies);
    ApiDocument.mount(router, "token-service");
    router.route().failureHandler(ApiFailures::handle);
    JsonErrors.install(router);
    return router;
  }

  private static long startNanos(io.vertx.ext.web.RoutingContext ctx) {
    Long start = ctx.get(START_NANOS);
    return start == null ? System.nanoTime() : start;
  }

  private static OpenAPIRoute route(RouterBuilder builder, String operationId, Vertx vertx, OpenAPIContract contract,
                                    RequestExtractor extractor) {
    OpenAPIRoute route = builder.getRoute(operationId);
    if (route == null) {
      throw new IllegalStateException(CONTRACT + " has no operation " + operationId);
    }
    // authentication runs before validation, as a root handler, so the contract's bearerAuth is documentation
    return InlineRequestValidation.install(route.setDoSecurity(false), vertx, contract, extractor);
  }
}
