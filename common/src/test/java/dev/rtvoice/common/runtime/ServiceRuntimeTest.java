package dev.rtvoice.common.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.health.HealthRoutes;
import dev.rtvoice.common.testing.Http;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Several services in one JVM (the local stack, the tests) each keep their own meters, and a stop
 * turns readiness DOWN before anything drains.
 */
class ServiceRuntimeTest {

  /** A service with nothing but the health routes. */
  static final class HealthOnly extends VerticleBase {
    private final ServiceRuntime runtime;
    private HttpServer server;

    HealthOnly(ServiceRuntime runtime) {
      this.runtime = runtime;
    }

    @Override
    public Future<?> start() {
      Router router = Router.router(vertx);
      HealthRoutes.mount(router, runtime.registry(), List.of());
      return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").onSuccess(s -> server = s);
    }

    String base() {
      return "http://127.0.0.1:" + server.actualPort();
    }
  }

  @Test
  void eachRuntimeInOneJvmCarriesItsOwnJvmAndVertxMeters() throws Exception {
    ServiceRuntime first = ServiceRuntime.create("svc-first");
    ServiceRuntime second = ServiceRuntime.create("svc-second");
    try {
      HealthOnly a = deploy(first);
      HealthOnly b = deploy(second);
      assertThat(Http.get(a.base() + "/health/live").status()).isEqualTo(200);
      assertThat(Http.get(b.base() + "/health/live").status()).isEqualTo(200);

      String firstMetrics = Http.get(a.base() + "/metrics").body();
      String secondMetrics = Http.get(b.base() + "/metrics").body();
      for (String[] each : new String[][] {{"svc-first", firstMetrics}, {"svc-second", secondMetrics}}) {
        String own = "service=\"" + each[0] + "\"";
        assertThat(lineOf(each[1], "jvm_memory_used_bytes{")).as(each[0] + " JVM meters").contains(own);
        assertThat(lineOf(each[1], "jvm_threads_live_threads{")).as(each[0] + " JVM threads").contains(own);
        assertThat(lineOf(each[1], "vertx_http_server_requests_total{")).as(each[0] + " Vert.x HTTP meters")
            .contains(own);
      }
      assertThat(firstMetrics).doesNotContain("service=\"svc-second\"");
      assertThat(secondMetrics).doesNotContain("service=\"svc-first\"");
    } finally {
      first.close().await(30, TimeUnit.SECONDS);
      second.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void closingTurnsReadinessDownWhileTheServiceStillServesThenStops() throws Exception {
    ServiceRuntime runtime = ServiceRuntime.create("svc-draining", Duration.ofSeconds(3));
    HealthOnly service = deploy(runtime);
    assertThat(Http.get(service.base() + "/health/ready").status()).isEqualTo(200);

    Future<Void> closed = runtime.close();
    Http.Response ready = Http.get(service.base() + "/health/ready");
    assertThat(ready.status()).as("readiness during the shutdown delay").isEqualTo(503);
    assertThat(ready.json().getJsonObject("checks").getString("shutdown")).startsWith("DOWN: stopping");
    assertThat(Http.get(service.base() + "/health/live").status()).as("still serving").isEqualTo(200);
    assertThat(closed.isComplete()).as("nothing stopped before the delay").isFalse();

    closed.await(30, TimeUnit.SECONDS);
    assertThat(closed.succeeded()).isTrue();
  }

  private static HealthOnly deploy(ServiceRuntime runtime) throws Exception {
    HealthOnly verticle = new HealthOnly(runtime);
    runtime.vertx().deployVerticle(verticle).await(10, TimeUnit.SECONDS);
    return verticle;
  }

  private static String lineOf(String scrape, String prefix) {
    return scrape.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("(no " + prefix + " line)");
  }
}
