package dev.rtvoice.tokens;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceMain;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.tokens.config.TokenServiceConfig;
import io.vertx.core.Future;
import org.slf4j.LoggerFactory;

/** {@code java -jar token-service.jar}: short-lived client secrets with rotation. */
public final class TokenServiceMain {
  private TokenServiceMain() {}

  public static void main(String[] args) {
    ServiceMain.run(TokenServiceConfig.SERVICE_NAME, runtime -> deploy(runtime, Env.system()));
  }

  /** Deploys the service into {@code runtime}; the local stack calls this too. */
  public static Future<TokenServiceVerticle> deploy(ServiceRuntime runtime, Env env) {
    TokenServiceConfig config = TokenServiceConfig.fromEnv(env);
    TokenServiceVerticle verticle = new TokenServiceVerticle(config, runtime.registry());
    return runtime.vertx().deployVerticle(verticle).map(id -> {
      LoggerFactory.getLogger(TokenServiceMain.class).info("{} listening on port {}", TokenServiceConfig.SERVICE_NAME,
          verticle.port());
      return verticle;
    });
  }
}
