package dev.rtvoice.common.runtime;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/**
 * One service's Vert.x instance and its own Prometheus registry. Each service gets its own pair, so
 * that several services in one JVM (the local stack) still expose only their own metrics.
 */
public final class ServiceRuntime {
  private final String serviceName;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;

  private ServiceRuntime(String serviceName, Vertx vertx, PrometheusMeterRegistry registry) {
    this.serviceName = serviceName;
    this.vertx = vertx;
    this.registry = registry;
  }

  public static ServiceRuntime create(String serviceName) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", serviceName);
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    return new ServiceRuntime(serviceName, vertx, registry);
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

  /** Undeploys every verticle (each drains, flushes and commits in its stop) and closes Vert.x. */
  public Future<Void> close() {
    return vertx.close().onComplete(ar -> registry.close());
  }
}
