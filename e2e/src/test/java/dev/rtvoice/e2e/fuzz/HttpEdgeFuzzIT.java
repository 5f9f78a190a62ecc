package dev.rtvoice.e2e.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.http.RawHttp;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Every HTTP face of the suite (the four services and the console, each its own process, started as
 * users run them) fuzzed with malformed methods, paths, percent-encodings, HTTP versions, headers,
 * credentials, bodies and framings, over raw sockets so that nothing is cleaned up on the way. The
 * contract: a client's fault is never a 5xx, every 4xx carries the JSON error with a code, and every
 * part still answers {@code /health/ready} UP after the run. The examples below pin the faults that
 * once broke it, so that each is tried on every run whatever the generator draws.
 */
class HttpEdgeFuzzIT {
  private static final int TIMEOUT_MS = 15_000;
  private static final String EVIL_ORIGIN = "https://evil.example";

  private static Suite suite;
  private static List<Target> targets;
  private static Malformations malformations;

  @BeforeContainer
  static void startSuite() throws Exception {
    suite = Suite.start(Suite.Options.defaults());
    String userJwt = suite.identity.userToken("fuzz-user", Duration.ofHours(1));
    Http.Response issued = Http.post(suite.tokenUrl + "/v1/sessions", "{\"ttl_seconds\":300}",
        "Authorization", "Bearer " + userJwt, "X-Device-ID", "fuzz-device", "Content-Type", "application/json");
    assertThat(issued.status()).as(issued.body()).isEqualTo(201);
    JsonObject session = issued.json();
    targets = List.of(Target.token(suite.tokenUrl), Target.session(suite.sessionUrl), Target.metrics(suite.metricsUrl),
        Target.alerting(suite.alertingUrl), Target.console(suite.consoleUrl));
    malformations = new Malformations(targets, new Malformations.Credentials(userJwt,
        session.getString("rotation_token"), suite.operatorToken, session.getString("session_id"),
        suite.consoleUrl));
  }

  @AfterContainer
  static void stopSuite() throws Exception {
    if (suite != null) {
      suite.close();
    }
  }

  @Provide
  Arbitrary<RawRequest> requests() {
    return malformations.requests();
  }

  // no edge cases: jqwik's would be the first entry of every list, over and over, not the faults
  @Property(tries = 3000, seed = "20261201", shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
  void aClientFaultIsNeverA5xxAndEveryErrorIsJson(@ForAll("requests") RawRequest request) {
    RawHttp.Response response;
    try {
      response = RawHttp.exchange(request.target().host(), request.target().port(), request.bytes(), TIMEOUT_MS,
          request.framingBroken());
    } catch (IOException e) {
      throw new AssertionError("no answer (" + e.getMessage() + "): " + request, e);
    }
    Statistics.label("target").collect(request.target().name());
    Statistics.label("answer").collect(response.status() < 0 ? "closed" : response.status() / 100 + "xx");
    Faults.of(request).forEach((kind, present) -> {
      Statistics.label(kind).collect(present);
      Statistics.label(kind).coverage(c -> c.check(true).count(n -> n >= Faults.MIN_PER_RUN));
    });
    assertAnswered(request, response);
  }

  /** What every answer must be, whatever was asked. */
  private static void assertAnswered(RawRequest request, RawHttp.Response response) {
    if (response.status() < 0) {
      assertThat(request.framingBroken()).as("closed without an answer: %s", request).isTrue();
      return;
    }
    assertThat(response.status()).as("%s\n-> %s", request, response).isLessThan(500);
    if (response.status() >= 400 && !request.isHead()) {
      assertJsonError(request, response);
    }
  }

  private static String assertJsonError(Object request, RawHttp.Response response) {
    assertThat(response.header("content-type")).as("%s\n-> %s", request, response).startsWith("application/json");
    JsonObject error;
    try {
      error = new JsonObject(response.body()).getJsonObject("error");
    } catch (DecodeException | ClassCastException e) {
      throw new AssertionError("not the JSON error: " + request + "\n-> " + response, e);
    }
    assertThat(error).as("%s\n-> %s", request, response).isNotNull();
    assertThat(error.getValue("code")).as("%s\n-> %s", request, response).isInstanceOf(String.class);
    assertThat(error.getString("code")).as("%s\n-> %s", request, response).isNotBlank();
    assertThat(error.getValue("message")).as("%s\n-> %s", request, response).isInstanceOf(String.class);
    return error.getString("code");
  }

  @AfterProperty
  void everyPartStillAnswersReady() {
    for (Target t : targets) {
      Http.Response ready = Http.get("http://" + t.host() + ":" + t.port() + "/health/ready");
      assertThat(ready.status()).as("%s /health/ready: %s", t.name(), ready.body()).isEqualTo(200);
      assertThat(ready.json().getString("status")).as(t.name()).isEqualTo("UP");
    }
  }

  // ---- the faults that once got a 5xx or a body that was not JSON, tried on every run ----

  private static RawHttp.Response send(Target target, String request) throws IOException {
    return RawHttp.exchange(target.host(), target.port(), request, TIMEOUT_MS);
  }

  private static String requestTo(Target target, String method, String path, String... headers) {
    StringBuilder r = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
        .append(target.host()).append(':').append(target.port()).append("\r\nConnection: close\r\n");
    for (String h : headers) {
      r.append(h).append("\r\n");
    }
    return r.append("\r\n").toString();
  }

  private static void expectError(Target target, String request, int status, String code) throws IOException {
    RawHttp.Response response = send(target, request);
    assertThat(response.status()).as("%s: %s\n-> %s", target.name(), request, response).isEqualTo(status);
    assertThat(assertJsonError(target.name() + ": " + request, response)).isEqualTo(code);
  }

  private static Target target(String name) {
    return targets.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }

  @Example
  void badPercentEncodingInAPathIs400() throws IOException {
    // with the credential each route expects, so that the request gets as far as routing
    String user = "Authorization: Bearer " + malformations.credentials().userJwt();
    String rotation = "Authorization: Bearer " + malformations.credentials().rotationToken();
    Map<String, List<String>> paths = Map.of(
        "token-service", List.of("POST /v1/sessions/%ZZ/rotate " + user),
        "session-service", List.of("GET /v1/sessions/%ZZ " + rotation, "POST /v1/sessions/%ZZ/events " + rotation,
            "POST /v1/sessions/%ZZ/interrupt " + rotation, "POST /v1/sessions/%ZZ/recover " + rotation),
        "metrics-service", List.of("GET /v1/windows/%ZZ"),
        "alerting-service", List.of("GET /v1/rules/%ZZ"),
        "console", List.of("GET /console/%ZZ", "GET /client/%E0%A4%A", "GET /api/session/v1/sessions/%ZZ"));
    for (Map.Entry<String, List<String>> e : paths.entrySet()) {
      Target t = target(e.getKey());
      for (String line : e.getValue()) {
        String[] parts = line.split(" ", 3);
        String auth = parts.length > 2 ? parts[2] : "X-None: 1";
        expectError(t, requestTo(t, parts[0], parts[1], auth, "X-Device-ID: fuzz-device", "Content-Length: 0"), 400,
            "invalid_request");
      }
    }
  }

  @Example
  void whatTheHttpDecoderRefusesIsAJson4xx() throws IOException {
    for (Target t : targets) {
      expectError(t, requestTo(t, "GET", "/health/live", "X-Big: " + "x".repeat(20_000)), 431, "headers_too_large");
      expectError(t, requestTo(t, "GET", "/health/live?" + "q".repeat(5_000)), 414, "uri_too_long");
      expectError(t, requestTo(t, "GET", "/health/live", "X-Ctl: \u0001"), 400, "invalid_request");
      expectError(t, requestTo(t, "GET", "/health/live", "Bad Header: x"), 400, "invalid_request");
      expectError(t, "GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n", 400, "unsupported_http_version");
    }
  }

  @Example
  void everyServiceRefusesADisallowedOriginWith403PreflightIncluded() throws IOException {
    for (Target t : targets) {
      if (t.name().equals("console")) {
        continue; // same-origin by design: it needs no CORS
      }
      String path = t.endpoints().get(0).path().replace("{id}", "s1");
      RawHttp.Response preflight = send(t, requestTo(t, "OPTIONS", path, "Origin: " + EVIL_ORIGIN,
          "Access-Control-Request-Method: POST"));
      assertThat(preflight.status()).as("%s %s", t.name(), preflight).isEqualTo(403);
      assertThat(assertJsonError(t.name(), preflight)).isEqualTo("origin_not_allowed");
      assertThat(preflight.header("access-control-allow-origin")).isNull();
      expectError(t, requestTo(t, "GET", "/health/live", "Origin: " + EVIL_ORIGIN), 403, "origin_not_allowed");
      expectError(t, requestTo(t, "GET", "/v1/nowhere", "Origin: " + EVIL_ORIGIN), 403, "origin_not_allowed");
    }
  }

  @Example
  void everyServiceAnswersAnAllowedOriginsPreflight() throws IOException {
    for (Target t : targets) {
      if (t.name().equals("console")) {
        continue;
      }
      String path = t.endpoints().get(0).path().replace("{id}", "s1");
      RawHttp.Response preflight = send(t, requestTo(t, "OPTIONS", path, "Origin: " + suite.consoleUrl,
          "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: authorization, content-type"));
      assertThat(preflight.status()).as("%s %s", t.name(), preflight).isEqualTo(204);
      assertThat(preflight.header("access-control-allow-origin")).isEqualTo(suite.consoleUrl);
      assertThat(preflight.header("access-control-allow-methods")).contains("POST");
      assertThat(preflight.header("access-control-allow-headers")).contains("Authorization", "Content-Type");
      RawHttp.Response live = send(t, requestTo(t, "GET", "/health/live", "Origin: " + suite.consoleUrl));
      assertThat(live.status()).isEqualTo(200);
      assertThat(live.header("access-control-allow-origin")).isEqualTo(suite.consoleUrl);
    }
  }
}
