package dev.rtvoice.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.Http;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console over real HTTP: its page and the client library's modules, health, and the proxy
 * forwarding to real HTTP servers standing where the services are (each echoes what it received, so
 * the test sees exactly what a service would).
 */
class ConsoleIT {
  private static final String OPERATOR_TOKEN = "op-token-for-console-it-0123456789";
  private static Vertx backends;
  private static final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private static final Map<String, Integer> ports = new HashMap<>();
  private static ServiceRuntime runtime;
  private static String console;
  private static int deadPort;

  @BeforeAll
  static void start() throws Exception {
    backends = Vertx.vertx();
    for (String name : new String[] {"token", "session", "metrics", "alerting"}) {
      HttpServer server = backends.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
        JsonObject headers = new JsonObject();
        req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
        JsonObject echo = new JsonObject().put("service", name).put("method", req.method().name())
            .put("uri", req.uri()).put("headers", headers).put("body", body.toString());
        received.add(echo);
        if (req.path().endsWith("/slow")) {
          backends.setTimer(3_000, t -> req.response().end());
          return;
        }
        int status = req.path().endsWith("/missing") ? 404 : 200;
        req.response().setStatusCode(status).putHeader("content-type", "application/json")
            .putHeader("x-service", name).end(echo.encode());
      })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      ports.put(name, server.actualPort());
    }
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    runtime = ServiceRuntime.create("console");
    Map<String, String> env = new HashMap<>();
    env.put("CONSOLE_PORT", "0");
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("TOKEN_SERVICE_URL", "http://127.0.0.1:" + ports.get("token"));
    env.put("SESSION_SERVICE_URL", "http://127.0.0.1:" + ports.get("session") + "/");
    env.put("METRICS_SERVICE_URL", "http://127.0.0.1:" + ports.get("metrics"));
    env.put("ALERTING_SERVICE_URL", "http://127.0.0.1:" + deadPort);
    env.put("OPERATOR_TOKEN", OPERATOR_TOKEN);
    env.put("CONSOLE_PROXY_TIMEOUT", "1s");
    ConsoleVerticle verticle = ConsoleMain.deploy(runtime, new Env(env))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    console = "http://127.0.0.1:" + verticle.port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (runtime != null) {
      runtime.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    backends.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static JsonObject lastReceived() throws InterruptedException {
    JsonObject r = received.poll(5, TimeUnit.SECONDS);
    assertThat(r).as("a request reached a backend").isNotNull();
    return r;
  }

  @Test
  void countersAreUnavailableWhileKafkaCannotBeReadAndThePageStillWorks() {
    // no broker at the default address: the proxy and the page work, the merged counters say why they are missing
    Http.Response counters = Http.get(console + "/console/counters.json");
    assertThat(counters.status()).isEqualTo(503);
    assertThat(counters.error().getString("code")).isEqualTo("counters_unavailable");
    assertThat(Http.get(console + "/health/ready").status()).isEqualTo(200);
    assertThat(Http.get(console + "/console/counters.json?window=bogus").status()).isEqualTo(400);
    Http.Response history = Http.get(console + "/console/history.json");
    assertThat(history.status()).isEqualTo(503);
    assertThat(history.error().getString("code")).isEqualTo("history_unavailable");
    assertThat(Http.get(console + "/console/history.json?window=5m").error().getString("field")).isEqualTo("window");
  }

  @Test
  void servesUplotFromItsWebjar() {
    Http.Response module = Http.get(console + "/console/vendor/uplot/uPlot.esm.js");
    assertThat(module.status()).isEqualTo(200);
    assertThat(module.header("content-type")).contains("javascript");
    assertThat(module.body()).contains("export { uPlot as default }");
    Http.Response css = Http.get(console + "/console/vendor/uplot/uPlot.min.css");
    assertThat(css.status()).isEqualTo(200);
    assertThat(css.header("content-type")).startsWith("text/css");
    // only the webjar's dist folder is served
    assertThat(Http.get(console + "/console/vendor/uplot/../package.json").status()).isIn(400, 404);
    assertThat(Http.get(console + "/console/vendor/uplot/").status()).isIn(403, 404);
  }

  @Test
  void servesHealthAndMetrics() {
    assertThat(Http.get(console + "/health/live").status()).isEqualTo(200);
    Http.Response ready = Http.get(console + "/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("status")).isEqualTo("UP");
    Http.get(console + "/api/metrics/v1/latency/budget");
    assertThat(Http.get(console + "/metrics").body()).contains("console_proxy_requests_seconds_count");
  }

  @Test
  void servesTheConsolePageAndTheClientLibraryAsModules() {
    Http.Response page = Http.get(console + "/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("content-type")).startsWith("text/html");
    assertThat(page.body()).contains("<script type=\"module\"").contains("/console/console.js");
    assertThat(page.body()).doesNotContain(OPERATOR_TOKEN);

    Http.Response script = Http.get(console + "/console/console.js");
    assertThat(script.status()).isEqualTo(200);
    assertThat(script.header("content-type")).contains("javascript");

    Http.Response index = Http.get(console + "/client/index.js");
    assertThat(index.status()).isEqualTo(200);
    // browsers refuse a module script served with a non-JavaScript MIME type
    assertThat(index.header("content-type")).contains("javascript");
    assertThat(index.body()).contains("export");
    for (String module : new String[] {"token-manager.js", "state-mirror.js", "realtime-voice-client.js"}) {
      assertThat(Http.get(console + "/client/" + module).status()).as(module).isEqualTo(200);
    }
    assertThat(Http.get(console + "/client/nope.js").status()).isEqualTo(404);
    assertThat(Http.get(console + "/client/../webroot/console/index.html").status()).isIn(400, 404);
    assertThat(Http.get(console + "/client/").status()).isIn(403, 404);

    Http.Response settings = Http.get(console + "/console/settings.json");
    assertThat(settings.json().getInteger("refresh_ms")).isEqualTo(2000);
    assertThat(settings.body()).doesNotContain(OPERATOR_TOKEN).doesNotContain("127.0.0.1");
  }

  @Test
  void servesTheDemoAppWithTheSameSecurityHeadersAsTheConsole() {
    Http.Response demo = Http.get(console + "/demo");
    assertThat(demo.status()).isEqualTo(200);
    assertThat(demo.header("content-type")).startsWith("text/html");
    assertThat(demo.body()).contains("<script type=\"module\" src=\"/demo/demo.js\"");
    assertThat(Http.get(console + "/demo/").body()).isEqualTo(demo.body());
    Http.Response script = Http.get(console + "/demo/demo.js");
    assertThat(script.status()).isEqualTo(200);
    assertThat(script.header("content-type")).contains("javascript");
    // the public library only, as the console serves it
    assertThat(script.body()).contains("from '/client/index.js'");
    assertThat(Http.get(console + "/demo/demo.css").header("content-type")).startsWith("text/css");
    assertThat(Http.get(console + "/demo/nope.js").status()).isEqualTo(404);

    Http.Response page = Http.get(console + "/");
    for (Http.Response r : new Http.Response[] {demo, script, page, Http.get(console + "/client/index.js")}) {
      assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
      assertThat(r.header("referrer-policy")).isEqualTo("same-origin");
      assertThat(r.header("content-security-policy")).contains("default-src 'self'").contains("script-src 'self';")
          .contains("object-src 'none'").contains("frame-ancestors 'none'");
    }
    assertThat(page.header("content-security-policy")).contains("connect-src 'self';");
    // only the demo's direct mode posts upstream itself
    assertThat(demo.header("content-security-policy")).contains("connect-src 'self' https://api.openai.com;");
    assertThat(demo.header("permissions-policy")).contains("microphone=(self)");
    // the proxy's answers are the services' own
    assertThat(Http.get(console + "/api/metrics/v1/latency/budget").header("content-security-policy")).isNull();
  }

  @Test
  void forwardsServerSideCallCreationWithTheUsersCredentials() throws Exception {
    received.clear();
    String offer = "{\"sdp\":\"v=0\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\n\",\"rotation_token\":\"rt1.a.b\"}";
    Http.Response answer = Http.post(console + "/api/token/v1/realtime/calls", offer,
        "Authorization", "Bearer user-jwt", "X-Device-ID", "dev-1");
    assertThat(answer.status()).isEqualTo(200);
    JsonObject seen = lastReceived();
    assertThat(seen.getString("service")).isEqualTo("token");
    assertThat(seen.getString("method")).isEqualTo("POST");
    assertThat(seen.getString("uri")).isEqualTo("/v1/realtime/calls");
    assertThat(seen.getString("body")).isEqualTo(offer);
    JsonObject headers = seen.getJsonObject("headers");
    assertThat(headers.getString("authorization")).isEqualTo("Bearer user-jwt");
    assertThat(headers.getString("x-device-id")).isEqualTo("dev-1");
  }

  @Test
  void forwardsMethodPathQueryBodyAndHeadersAndRelaysTheAnswer() throws Exception {
    received.clear();
    String body = "{\"rotation_token\":\"rt1.x.y\"}";
    Http.Response answer = Http.post(console + "/api/token/v1/sessions/s-1/rotate?x=1&y=%20z", body,
        "Authorization", "Bearer user-jwt", "X-Device-ID", "dev-1", "Cookie", "console=1");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("x-service")).isEqualTo("token");
    JsonObject seen = lastReceived();
    assertThat(seen.getString("service")).isEqualTo("token");
    assertThat(seen.getString("method")).isEqualTo("POST");
    assertThat(seen.getString("uri")).isEqualTo("/v1/sessions/s-1/rotate?x=1&y=%20z");
    assertThat(seen.getString("body")).isEqualTo(body);
    JsonObject headers = seen.getJsonObject("headers");
    assertThat(headers.getString("authorization")).isEqualTo("Bearer user-jwt");
    assertThat(headers.getString("x-device-id")).isEqualTo("dev-1");
    assertThat(headers.getString("content-type")).isEqualTo("application/json");
    assertThat(headers.containsKey("cookie")).isFalse();
    assertThat(headers.getString("x-forwarded-for")).isEqualTo("127.0.0.1");
    // the answer is the service's, status and body included
    assertThat(answer.json().getString("uri")).isEqualTo("/v1/sessions/s-1/rotate?x=1&y=%20z");

    Http.Response missing = Http.get(console + "/api/metrics/missing");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.header("x-service")).isEqualTo("metrics");
    lastReceived();
  }

  @Test
  void addsTheOperatorTokenOnlyToTheConsolesOwnSessionReads() throws Exception {
    received.clear();
    Http.get(console + "/api/session/v1/sessions?limit=5");
    JsonObject list = lastReceived();
    assertThat(list.getString("uri")).isEqualTo("/v1/sessions?limit=5");
    assertThat(list.getJsonObject("headers").getString("authorization")).isEqualTo("Bearer " + OPERATOR_TOKEN);

    // a client's own rotation token is kept, never replaced by the operator's
    Http.get(console + "/api/session/v1/sessions/s-1", "Authorization", "Bearer rt1.a.b");
    assertThat(lastReceived().getJsonObject("headers").getString("authorization")).isEqualTo("Bearer rt1.a.b");

    // writes never get operator rights
    Http.post(console + "/api/session/v1/sessions/s-1/events", "{\"events\":[]}");
    assertThat(lastReceived().getJsonObject("headers").containsKey("authorization")).isFalse();

    // and no other service ever sees the operator token
    Http.get(console + "/api/metrics/v1/latency/budget?window=5m");
    assertThat(lastReceived().getJsonObject("headers").containsKey("authorization")).isFalse();
  }

  @Test
  void anUnreachableOrSlowServiceIsAJsonErrorNamingTheServiceNotItsAddress() throws Exception {
    Http.Response down = Http.get(console + "/api/alerting/v1/alerts");
    assertThat(down.status()).isEqualTo(502);
    assertThat(down.error().getString("code")).isEqualTo("service_unreachable");
    assertThat(down.error().getString("service")).isEqualTo("alerting");
    assertThat(down.body()).doesNotContain(Integer.toString(deadPort));

    received.clear();
    Http.Response slow = Http.get(console + "/api/metrics/slow");
    assertThat(slow.status()).isEqualTo(504);
    assertThat(slow.error().getString("code")).isEqualTo("service_timeout");
    lastReceived();
  }

  @Test
  void unknownServicesAndOddPathsAreRefusedWithJsonErrors() {
    Http.Response unknown = Http.get(console + "/api/billing/v1/x");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.error().getString("message")).contains("billing").contains("session");
    assertThat(Http.get(console + "/nothing-here").error().getString("code")).isEqualTo("not_found");
    Http.Response big = Http.post(console + "/api/token/v1/sessions", "x".repeat(1024 * 1024 + 10));
    assertThat(big.status()).isEqualTo(413);
    assertThat(big.error()).isNotNull();
  }

  @Test
  void badConfigurationNamesTheVariable() {
    Assertions.assertThatThrownBy(() -> dev.rtvoice.console.config.ConsoleConfig.fromEnv(
            new Env(Map.of("SESSION_SERVICE_URL", "ftp://x"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SESSION_SERVICE_URL");
    Assertions.assertThatThrownBy(() -> dev.rtvoice.console.config.ConsoleConfig.fromEnv(
            new Env(Map.of("TOKEN_SERVICE_URL", "http://user:pw@host:1"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKEN_SERVICE_URL")
        .hasMessageNotContaining("pw");
    Assertions.assertThatThrownBy(() -> dev.rtvoice.console.config.ConsoleConfig.fromEnv(
            new Env(Map.of("CONSOLE_PORT", "70000"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("CONSOLE_PORT");
    assertThat(dev.rtvoice.console.config.ConsoleConfig.fromEnv(new Env(Map.of("OPERATOR_TOKEN", "secret-x")))
        .toString()).doesNotContain("secret-x");
  }
}
