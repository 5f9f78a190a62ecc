package dev.rtvoice.alerting;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceMain;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.alerting.config.AlertingServiceConfig;
import io.vertx.core.Future;
import org.slf4j.LoggerFactory;

/** {@code java -jar alerting-service.jar}: rules over metric windows, delivered to SREs. */
public final class AlertingServiceMain {
  private AlertingServiceMain() {}

  public static void main(String[] args) {
    ServiceMain.run(AlertingServiceConfig.SERVICE_NAME, runtime -> deploy(runtime, Env.system()));
  }

  /** Deploys the service into {@code runtime}; the local stack calls this too. */
  public static Future<AlertingServiceVerticle> deploy(ServiceRuntime runtime, Env env) {
    AlertingServiceConfig config = AlertingServiceConfig.fromEnv(env);
    AlertingServiceVerticle verticle = new AlertingServiceVerticle(config, runtime.registry());
    return runtime.vertx().deployVerticle(verticle).map(id -> {
      LoggerFactory.getLogger(AlertingServiceMain.class).info("{} listening on port {}", AlertingServiceConfig.SERVICE_NAME,
          verticle.port());
      return verticle;
    });
  }
}
