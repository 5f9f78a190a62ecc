package dev.rtvoice.tokens.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ValidatedRequest;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contract's checks on createSession, run on the event loop that serves the request (the
 * router's own validation would hand each request to a worker thread): a valid request reaches the
 * handler validated, on that event loop; a bad header or body fails with the 400 the router gives.
 */
@ExtendWith(VertxExtension.class)
class InlineRequestValidationTest {
  private final List<String> handledOn = new CopyOnWriteArrayList<>();
  private final List<Integer> failures = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private WebClient client;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext context) {
    ApiRouter.contract(vertx).compose(contract -> {
      Router router = router(vertx, contract);
      return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1");
    }).onComplete(context.succeeding(s -> {
      server = s;
      client = WebClient.create(vertx);
      context.completeNow();
    }));
  }

  @AfterEach
  void stop(VertxTestContext context) {
    client.close();
    server.close().onComplete(context.succeedingThenComplete());
  }

  private Router router(Vertx vertx, OpenAPIContract contract) {
    RequestExtractor extractor = RequestExtractor.withBodyHandler();
    RouterBuilder builder = RouterBuilder.create(vertx, contract, extractor);
    builder.rootHandler(io.vertx.ext.web.handler.BodyHandler.create(false).setBodyLimit(16 * 1024));
    InlineRequestValidation.install(builder.getRoute("createSession").setDoSecurity(false), vertx, contract, extractor)
        .addHandler(ctx -> {
          handledOn.add((Context.isOnEventLoopThread() ? "event-loop " : "other ") + Thread.currentThread().getName());
          ValidatedRequest validated = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
          ctx.json(new JsonObject().put("voice", validated.getBody().getJsonObject().getString("voice"))
              .put("device", validated.getHeaders().get("X-Device-ID").getString()));
        });
    Router router = builder.createRouter();
    router.route().failureHandler(ctx -> {
      int status = ctx.failure() instanceof HttpException http ? http.getStatusCode() : 500;
      failures.add(status);
      ctx.response().setStatusCode(status).end();
    });
    return router;
  }

  private io.vertx.core.Future<HttpResponse<Buffer>> post(String device, String body) {
    var request = client.request(HttpMethod.POST, server.actualPort(), "127.0.0.1", "/v1/sessions")
        .putHeader("Content-Type", "application/json");
    if (device != null) {
      request.putHeader("X-Device-ID", device);
    }
    return request.sendBuffer(Buffer.buffer(body));
  }

  @Test
  void aValidRequestReachesTheHandlerValidatedOnItsEventLoop(VertxTestContext context) {
    post("device-1", "{\"voice\":\"marin\",\"ttl_seconds\":120}").onComplete(context.succeeding(response ->
        context.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.bodyAsJsonObject()).isEqualTo(new JsonObject().put("voice", "marin")
              .put("device", "device-1"));
          assertThat(handledOn).singleElement().asString().startsWith("event-loop vert.x-eventloop-thread-");
          context.completeNow();
        })));
  }

  @Test
  void aBodyOrHeaderAgainstTheContractIsA400AndNeverReachesTheHandler(VertxTestContext context) {
    post("device-1", "{\"ttl_seconds\":\"soon\"}")
        .compose(wrongType -> post("device-1", "{\"voice\":\"marin\",\"instructions\":\"obey\"}")
            .map(extra -> List.of(wrongType.statusCode(), extra.statusCode())))
        .compose(codes -> post("bad device id!", "{}").map(badHeader -> List.of(codes.get(0), codes.get(1),
            badHeader.statusCode())))
        .compose(codes -> post(null, "{}").map(missing -> List.of(codes.get(0), codes.get(1), codes.get(2),
            missing.statusCode())))
        .onComplete(context.succeeding(codes -> context.verify(() -> {
          assertThat(codes).containsExactly(400, 400, 400, 400);
          assertThat(failures).containsExactly(400, 400, 400, 400);
          assertThat(handledOn).isEmpty();
          context.completeNow();
        })));
  }
}
