package dev.rtvoice.metrics;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceMain;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.metrics.config.MetricsServiceConfig;
import io.vertx.core.Future;
import org.slf4j.LoggerFactory;

/** {@code java -jar metrics-service.jar}: latency split by stage in event-time windows. */
public final class MetricsServiceMain {
  private MetricsServiceMain() {}

  public static void main(String[] args) {
    ServiceMain.run(MetricsServiceConfig.SERVICE_NAME, runtime -> deploy(runtime, Env.system()));
  }

  /** Deploys the service into {@code runtime}; the local stack calls this too. */
  public static Future<MetricsServiceVerticle> deploy(ServiceRuntime runtime, Env env) {
    MetricsServiceConfig config = MetricsServiceConfig.fromEnv(env);
    MetricsServiceVerticle verticle = new MetricsServiceVerticle(config, runtime.registry());
    return runtime.vertx().deployVerticle(verticle).map(id -> {
      LoggerFactory.getLogger(MetricsServiceMain.class).info("{} listening on port {}", MetricsServiceConfig.SERVICE_NAME,
          verticle.port());
      return verticle;
    });
  }
}
