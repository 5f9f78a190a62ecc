package dev.rtvoice.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JsonErrorsTest {
  private static Vertx vertx;
  private static WebClient client;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create().setBodyLimit(1024));
    router.post("/api").handler(ctx -> {
      JsonObject body = JsonBodies.object(ctx, false);
      ctx.json(new JsonObject().put("name", JsonBodies.requiredString(body, "name")));
    });
    router.get("/conflict").handler(ctx -> {
      throw new ApiException(409, "illegal_transition", "session is SPEAKING", new JsonObject().put("phase", "SPEAKING"));
    });
    router.get("/boom").handler(ctx -> {
      throw new IllegalStateException("secret internal detail sk-live-123");
    });
    JsonErrors.install(router);
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0).await(10, TimeUnit.SECONDS);
    port = server.actualPort();
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> call(HttpMethod method, String path, String body) throws Exception {
    var request = client.request(method, port, "localhost", path);
    return (body == null ? request.send() : request.sendBuffer(Buffer.buffer(body))).await(10, TimeUnit.SECONDS);
  }

  private static JsonObject error(HttpResponse<Buffer> response) {
    assertThat(response.getHeader("content-type")).isEqualTo("application/json");
    return response.bodyAsJsonObject().getJsonObject("error");
  }

  @Test
  void apiExceptionKeepsItsStatusCodeAndDetails() throws Exception {
    HttpResponse<Buffer> r = call(HttpMethod.GET, "/conflict", null);
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(error(r).getString("code")).isEqualTo("illegal_transition");
    assertThat(error(r).getString("phase")).isEqualTo("SPEAKING");
  }

  @Test
  void malformedJsonAndMissingFieldsAre400WithTheFieldNamed() throws Exception {
    HttpResponse<Buffer> malformed = call(HttpMethod.POST, "/api", "{nope");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(error(malformed).getString("code")).isEqualTo("invalid_json");

    HttpResponse<Buffer> missing = call(HttpMethod.POST, "/api", "{}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(error(missing).getString("field")).isEqualTo("name");

    HttpResponse<Buffer> mistyped = call(HttpMethod.POST, "/api", "{\"name\":5}");
    assertThat(error(mistyped).getString("message")).isEqualTo("name: must be a string");
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    HttpResponse<Buffer> r = call(HttpMethod.POST, "/api", "{\"name\":\"" + "x".repeat(2000) + "\"}");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(error(r).getString("code")).isEqualTo("payload_too_large");
  }

  @Test
  void unknownRouteIsJson404() throws Exception {
    HttpResponse<Buffer> r = call(HttpMethod.GET, "/nowhere", null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(error(r).getString("code")).isEqualTo("not_found");
  }

  @Test
  void unexpectedFailureIs500WithoutDetails() throws Exception {
    HttpResponse<Buffer> r = call(HttpMethod.GET, "/boom", null);
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(error(r).getString("code")).isEqualTo("internal_error");
    assertThat(r.bodyAsString()).doesNotContain("sk-live-123").doesNotContain("IllegalStateException")
        .doesNotContain("at dev.rtvoice");
  }
}
