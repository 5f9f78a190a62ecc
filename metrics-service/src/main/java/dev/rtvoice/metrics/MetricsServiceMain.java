package dev.rtvoice.metrics;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.http.CorsPolicy;
import dev.rtvoice.common.runtime.ServiceMain;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.metrics.config.MetricsServiceConfig;
import io.vertx.core.Future;
import java.time.Clock;
import org.slf4j.LoggerFactory;

/** {@code java -jar metrics-service.jar}: latency split by stage in event-time windows. */
public final class MetricsServiceMain {
  private MetricsServiceMain() {}

  public static void main(String[] args) {
    ServiceMain.run(MetricsServiceConfig.SERVICE_NAME, runtime -> deploy(runtime, Env.system()));
  }

  /** Deploys the service into {@code runtime}; the local stack calls this too. */
  public static Future<MetricsServiceVerticle> deploy(ServiceRuntime runtime, Env env) {
    return deploy(runtime, env, Clock.systemUTC());
  }

  /** With an injected clock: tests replay event time without waiting for it. */
  public static Future<MetricsServiceVerticle> deploy(ServiceRuntime runtime, Env env, Clock clock) {
    MetricsServiceConfig config = MetricsServiceConfig.fromEnv(env);
    SessionHandleCodec handles = SessionHandleCodec.fromEnv(env, config.devMode(), clock);
    MetricsServiceVerticle verticle = new MetricsServiceVerticle(config, runtime.registry(), handles, clock,
        CorsPolicy.fromEnv(env));
    return runtime.vertx().deployVerticle(verticle).map(id -> {
      LoggerFactory.getLogger(MetricsServiceMain.class).info("{} listening on port {} (instance {}, ingest {})",
          MetricsServiceConfig.SERVICE_NAME, verticle.port(), config.instanceId(), config.ingest());
      return verticle;
    });
  }
}
