package dev.rtvoice.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A router wired as every service wires it (CORS first, JSON errors, {@link HttpEdge}'s server),
 * driven over raw sockets: every client fault is a 4xx whose body is the JSON error with a code,
 * including those Vert.x answers before any route runs.
 */
class HttpEdgeTest {
  private static final String HOST = "127.0.0.1";
  private static Vertx vertx;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(CrossOrigin.handler(List.of("https://app.example.com", "http://localhost:*")));
    router.route("/v1/*").handler(BodyHandler.create(false).setBodyLimit(1024));
    router.get("/v1/items/:id").handler(ctx -> ctx.json(new JsonObject().put("id", ctx.pathParam("id"))));
    router.post("/v1/items").handler(ctx -> ctx.json(JsonBodies.object(ctx, false)));
    router.get("/v1/search").handler(ctx -> ctx.json(new JsonObject().put("q", ctx.request().getParam("q"))));
    router.route("/files/*").handler(StaticHandler.create("no-such-webroot"));
    JsonErrors.install(router);
    port = HttpEdge.server(vertx, new HttpServerOptions().setHost(HOST).setMaxHeaderSize(8192), router)
        .listen(0).await(10, TimeUnit.SECONDS).actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static RawHttp.Response send(String request) throws Exception {
    return RawHttp.exchange(HOST, port, request, 10_000);
  }

  private static JsonObject jsonError(RawHttp.Response r, int status, String code) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.header("content-type")).as(r.toString()).isEqualTo("application/json");
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).as(r.toString()).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    return error;
  }

  @Test
  void aWellFormedRequestIsServed() throws Exception {
    RawHttp.Response r = send("GET /v1/items/a%20b HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getString("id")).isEqualTo("a b");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/items/%ZZ", "/v1/items/%ZZ/more", "/v1/%", "/files/%E0%A4%A", "/files/%ZZ",
      "/nowhere/%G0"})
  void aPathWhosePercentEncodingDoesNotDecodeIs400NotA500(String path) throws Exception {
    jsonError(send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "invalid_request");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/search?q=%ZZ", "/v1/search?q=%", "/v1/search?q=%E0%A4%A", "/v1/search?%G1=x"})
  void aQueryWhosePercentEncodingDoesNotDecodeIs400BeforeAnyHandlerReadsIt(String uri) throws Exception {
    jsonError(send("GET " + uri + " HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "invalid_request");
    RawHttp.Response fine = send("GET /v1/search?q=%C3%A9%20x HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(new JsonObject(fine.body()).getString("q")).isEqualTo("\u00e9 x");
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET /v1/items/1", "POST /v1/items", "DELETE /nowhere"})
  void aFormBodyIs415WhateverTheRoute(String line) throws Exception {
    for (String type : List.of("multipart/form-data; boundary=x", "multipart/form-data",
        "Application/X-WWW-Form-Urlencoded")) {
      jsonError(send(line + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + type + "\r\nContent-Length: 13\r\n\r\n"
          + "{\"a\":1,\"a\":2}"), 415, "unsupported_media_type");
    }
  }

  @Test
  void aMalformedChunkedBodyIs400NotA500() throws Exception {
    RawHttp.Response r = RawHttp.exchange(HOST, port, ("POST /v1/items HTTP/1.1\r\nHost: x\r\n"
        + "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n")
        .getBytes(StandardCharsets.ISO_8859_1), 10_000, true);
    jsonError(r, 400, "invalid_request");
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/9.9", "HTTP/2.0", "http/1.1", "HTTP/1.2", "HTTP/0.9"})
  void anUnknownHttpVersionIsA400WithTheJsonErrorNotAnEmpty501(String version) throws Exception {
    RawHttp.Response r = send("GET /v1/items/1 " + version + "\r\nHost: x\r\n\r\n");
    jsonError(r, 400, "unsupported_http_version");
    assertThat(r.header("connection")).isEqualTo("close");
  }

  @Test
  void aRequestLineOver4KbIs414Json() throws Exception {
    jsonError(send("GET /v1/items/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414, "uri_too_long");
  }

  @Test
  void headersOverTheLimitAre431Json() throws Exception {
    jsonError(send("GET /v1/items/1 HTTP/1.1\r\nHost: x\r\nX-Big: " + "x".repeat(9000) + "\r\n\r\n"), 431,
        "headers_too_large");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bad Header: y", "X-A: \u0001\u0002", "Content-Length: abc", "Content-Length: -5"})
  void malformedHeadersAre400Json(String header) throws Exception {
    jsonError(send("POST /v1/items HTTP/1.1\r\nHost: x\r\n" + header + "\r\n\r\n"), 400, "invalid_request");
  }

  @Test
  void aRequestLineThatIsNotHttpIs400Json() throws Exception {
    jsonError(send("garbage\r\n\r\n"), 400, "invalid_request");
  }

  @Test
  void routerErrorsAreJsonWithTheirOwnStatus() throws Exception {
    jsonError(send("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"), 404, "not_found");
    jsonError(send("DELETE /v1/items/1 HTTP/1.1\r\nHost: x\r\n\r\n"), 405, "method_not_allowed");
    jsonError(send("POST /v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + "x".repeat(2000)), 413,
        "payload_too_large");
    jsonError(send("POST /v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{nope"), 400, "invalid_json");
  }

  @Test
  void anAllowedOriginGetsTheCorsHeadersAndItsAnswer() throws Exception {
    RawHttp.Response r = send("GET /v1/items/1 HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example.com");
    assertThat(r.header("access-control-expose-headers")).contains("Retry-After");
    assertThat(r.header("vary")).contains("Origin");
  }

  @Test
  void anAllowedPreflightIs204WithTheMethodsAndHeaders() throws Exception {
    RawHttp.Response r = send("OPTIONS /v1/items HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:5173\r\n"
        + "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization,content-type\r\n\r\n");
    assertThat(r.status()).isEqualTo(204);
    assertThat(r.header("access-control-allow-origin")).isEqualTo("http://localhost:5173");
    assertThat(r.header("access-control-allow-methods")).contains("POST");
    assertThat(r.header("access-control-allow-headers")).contains("Authorization", "Content-Type", "X-Device-ID");
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://evil.example.com", "https://app.example.com.evil.com", "http://localhost.evil:80",
      "null", "http://localhost:99999"})
  void aDisallowedOriginIs403JsonForPreflightsAndRequests(String origin) throws Exception {
    RawHttp.Response preflight = send("OPTIONS /v1/items HTTP/1.1\r\nHost: x\r\nOrigin: " + origin
        + "\r\nAccess-Control-Request-Method: POST\r\n\r\n");
    jsonError(preflight, 403, "origin_not_allowed");
    assertThat(preflight.header("access-control-allow-origin")).isNull();
    RawHttp.Response get = send("GET /v1/items/1 HTTP/1.1\r\nHost: x\r\nOrigin: " + origin + "\r\n\r\n");
    jsonError(get, 403, "origin_not_allowed");
    RawHttp.Response notFound = send("GET /nowhere HTTP/1.1\r\nHost: x\r\nOrigin: " + origin + "\r\n\r\n");
    jsonError(notFound, 403, "origin_not_allowed");
  }

  @Test
  void twoOriginHeadersAreRefused() throws Exception {
    jsonError(send("GET /v1/items/1 HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n"
        + "Origin: https://evil.example.com\r\n\r\n"), 403, "origin_not_allowed");
  }

  @Test
  void aRequestWithoutOriginIsNotACorsRequest() throws Exception {
    RawHttp.Response r = send("GET /v1/items/1 HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("access-control-allow-origin")).isNull();
    // without Origin an OPTIONS is no preflight: the route has no OPTIONS
    jsonError(send("OPTIONS /v1/items HTTP/1.1\r\nHost: x\r\n\r\n"), 405, "method_not_allowed");
  }

  @Test
  void theServerStillServesAfterEveryKindOfFault() throws Exception {
    send("GET / HTTP/9.9\r\n\r\n");
    send("garbage\r\n\r\n");
    send("GET /v1/items/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(send("GET /v1/items/ok HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
  }
}
