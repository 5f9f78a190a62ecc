package dev.rtvoice.common.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Readiness is this instance's own checks; shared dependencies are reported, never gating. */
class HealthRoutesTest {
  private Vertx vertx;
  private PrometheusMeterRegistry registry;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aSharedDependencyThatFailsIsReportedButLeavesTheInstanceReady() throws Exception {
    AtomicBoolean upstreamUp = new AtomicBoolean(true);
    SharedDependency upstream = SharedDependency.monitor(vertx, registry,
        check("upstream", () -> upstreamUp.get() ? null : "upstream unreachable: ConnectException"),
        Duration.ofMillis(100));
    String base = serve(List.of(check("kafka", () -> null)), List.of(upstream));

    Eventually.await("upstream probed UP", () -> "UP".equals(ready(base).getJsonObject("dependencies")
        .getString("upstream")), Duration.ofSeconds(10));
    upstreamUp.set(false);
    Eventually.await("the blip reported", () -> ready(base).getJsonObject("dependencies").getString("upstream")
        .startsWith("DOWN: upstream unreachable"), Duration.ofSeconds(10));

    Http.Response r = Http.get(base + "/health/ready");
    assertThat(r.status()).as("a shared dependency's failure does not make this instance unready").isEqualTo(200);
    assertThat(r.json().getString("status")).isEqualTo("UP");
    assertThat(r.json().getJsonObject("checks").getString("kafka")).isEqualTo("UP");
    assertThat(r.json().getJsonObject("checks").containsKey("upstream")).isFalse();
    String metrics = Http.get(base + "/metrics").body();
    assertThat(metrics).contains("dependency_up{dependency=\"upstream\"} 0.0");
    assertThat(metrics).containsPattern("dependency_probe_failures_total\\{dependency=\"upstream\"} [1-9]");

    upstreamUp.set(true);
    Eventually.await("recovery reported", () -> Http.get(base + "/metrics").body()
        .contains("dependency_up{dependency=\"upstream\"} 1.0"), Duration.ofSeconds(10));
  }

  @Test
  void aSharedDependencyAmongTheChecksIsReportedApart() throws Exception {
    SharedDependency down = SharedDependency.monitor(vertx, registry, check("upstream", () -> "unreachable"),
        Duration.ofSeconds(60));
    Router router = Router.router(vertx);
    HealthRoutes.mount(router, registry, List.of(check("kafka", () -> null), down));
    int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .await(10, TimeUnit.SECONDS).actualPort();
    String base = "http://127.0.0.1:" + port;
    Eventually.await("probed", () -> down.status().startsWith("DOWN"), Duration.ofSeconds(10));
    Http.Response r = Http.get(base + "/health/ready");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getJsonObject("checks").fieldNames()).containsExactly("kafka");
    assertThat(r.json().getJsonObject("dependencies").getString("upstream")).isEqualTo("DOWN: unreachable");
  }

  @Test
  void anInstanceCheckThatFailsMakesItUnreadyAndSaysWhy() throws Exception {
    String base = serve(List.of(check("kafka", () -> null), check("rotation_ledger", () -> "not restored yet")),
        List.of());
    Http.Response r = Http.get(base + "/health/ready");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.json().getJsonObject("checks").getString("rotation_ledger")).isEqualTo("DOWN: not restored yet");
    assertThat(r.json().getJsonObject("checks").getString("kafka")).isEqualTo("UP");
  }

  @Test
  void drainingAnswers503BeforeAnyCheckWhileLivenessStaysUp() throws Exception {
    AtomicBoolean checked = new AtomicBoolean();
    String base = serve(List.of(check("kafka", () -> {
      checked.set(true);
      return null;
    })), List.of());
    assertThat(Http.get(base + "/health/ready").status()).isEqualTo(200);
    checked.set(false);

    Draining.begin(vertx);
    Http.Response r = Http.get(base + "/health/ready");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.json().getString("status")).isEqualTo("DOWN");
    assertThat(checked).as("no dependency is asked once stopping").isFalse();
    assertThat(Http.get(base + "/health/live").status()).isEqualTo(200);
  }

  @Test
  void aProbeThatNeverAnswersIsNotStackedUp() throws Exception {
    int[] calls = {0};
    SharedDependency hanging = SharedDependency.monitor(vertx, registry, new ReadinessCheck() {
      @Override
      public String name() {
        return "identity_provider";
      }

      @Override
      public Future<Void> check() {
        calls[0]++;
        return io.vertx.core.Promise.<Void>promise().future();
      }
    }, Duration.ofMillis(20));
    Thread.sleep(300);
    assertThat(calls[0]).isEqualTo(1);
    assertThat(hanging.status()).startsWith("UNKNOWN");
    hanging.close();
  }

  private interface Outcome {
    /** null when the check passes, else why it fails. */
    String failure();
  }

  private static ReadinessCheck check(String name, Outcome outcome) {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Future<Void> check() {
        String failure = outcome.failure();
        return failure == null ? Future.succeededFuture() : Future.failedFuture(failure);
      }
    };
  }

  private String serve(List<ReadinessCheck> checks, List<SharedDependency> shared) throws Exception {
    Router router = Router.router(vertx);
    HealthRoutes.mount(router, registry, checks, shared);
    int port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .await(10, TimeUnit.SECONDS).actualPort();
    return "http://127.0.0.1:" + port;
  }

  private static JsonObject ready(String base) {
    return Http.get(base + "/health/ready").json();
  }
}
