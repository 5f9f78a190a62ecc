package dev.rtvoice.console;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceMain;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.console.config.ConsoleConfig;
import io.vertx.core.Future;
import org.slf4j.LoggerFactory;

/** {@code java -jar console.jar}: the operator console, the client library and the same-origin API proxy. */
public final class ConsoleMain {
  private ConsoleMain() {}

  public static void main(String[] args) {
    ServiceMain.run(ConsoleConfig.SERVICE_NAME, runtime -> deploy(runtime, Env.system()));
  }

  /** Deploys the console into {@code runtime}; the local stack calls this too. */
  public static Future<ConsoleVerticle> deploy(ServiceRuntime runtime, Env env) {
    ConsoleConfig config = ConsoleConfig.fromEnv(env);
    ConsoleVerticle verticle = new ConsoleVerticle(config, runtime.registry());
    return runtime.vertx().deployVerticle(verticle).map(id -> {
      LoggerFactory.getLogger(ConsoleMain.class).info("{} listening on port {} ({})", ConsoleConfig.SERVICE_NAME,
          verticle.port(), config);
      return verticle;
    });
  }
}
