package dev.rtvoice.common.runtime;

import dev.rtvoice.common.health.Draining;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One service's Vert.x instance and its own Prometheus registry. Each service gets its own pair, so
 * that several services in one JVM (the local stack, tests) still expose only their own metrics,
 * their JVM and Vert.x meters included.
 */
public final class ServiceRuntime {
  private static final AtomicLong CREATED = new AtomicLong();

  private final String serviceName;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final Duration shutdownDelay;

  private ServiceRuntime(String serviceName, Vertx vertx, PrometheusMeterRegistry registry, Duration shutdownDelay) {
    this.serviceName = serviceName;
    this.vertx = vertx;
    this.registry = registry;
    this.shutdownDelay = shutdownDelay;
  }

  public static ServiceRuntime create(String serviceName) {
    return create(serviceName, Duration.ZERO);
  }

  /**
   * @param shutdownDelay how long {@link #close()} keeps serving with readiness DOWN before it drains
   *     ({@code SHUTDOWN_DELAY}): time for a load balancer to see the 503 and stop sending requests
   */
  public static ServiceRuntime create(String serviceName, Duration shutdownDelay) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", serviceName);
    // vertx-micrometer keeps one backend per registry name for the whole JVM and hands an existing one
    // to every later Vert.x that names it: with the default name, the second service in a JVM would
    // put its JVM and Vert.x meters into the first one's registry. A name per runtime keeps them apart.
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setRegistryName(serviceName + "#" + CREATED.incrementAndGet())
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    return new ServiceRuntime(serviceName, vertx, registry, shutdownDelay);
  }

  public String serviceName() {
    return serviceName;
  }

  public Vertx vertx() {
    return vertx;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Readiness answers 503 from now on; the service keeps serving until {@link #close()} drains it. */
  public void beginDraining() {
    Draining.begin(vertx);
  }

  /**
   * Readiness DOWN first, then, after the shutdown delay, undeploys every verticle (each drains,
   * flushes, commits and leaves its consumer groups in its stop) and closes Vert.x.
   */
  public Future<Void> close() {
    beginDraining();
    Promise<Void> delayed = Promise.promise();
    if (shutdownDelay.isZero()) {
      delayed.complete();
    } else {
      vertx.setTimer(shutdownDelay.toMillis(), t -> delayed.complete());
    }
    return delayed.future().compose(v -> vertx.close()).onComplete(ar -> registry.close());
  }
}
