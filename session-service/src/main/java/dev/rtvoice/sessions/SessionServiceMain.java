package dev.rtvoice.sessions;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceMain;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.sessions.config.SessionServiceConfig;
import io.vertx.core.Future;
import java.time.Clock;
import org.slf4j.LoggerFactory;

/** {@code java -jar session-service.jar}: the per-session interruption state machine. */
public final class SessionServiceMain {
  private SessionServiceMain() {}

  public static void main(String[] args) {
    ServiceMain.run(SessionServiceConfig.SERVICE_NAME, runtime -> deploy(runtime, Env.system()));
  }

  /** Deploys the service into {@code runtime}; the local stack calls this too. */
  public static Future<SessionServiceVerticle> deploy(ServiceRuntime runtime, Env env) {
    return deploy(runtime, env, Clock.systemUTC());
  }

  /** With an injected clock, for tests that move time instead of waiting for it. */
  public static Future<SessionServiceVerticle> deploy(ServiceRuntime runtime, Env env, Clock clock) {
    SessionServiceConfig config = SessionServiceConfig.fromEnv(env, clock);
    SessionServiceVerticle verticle = new SessionServiceVerticle(config, runtime.registry());
    return runtime.vertx().deployVerticle(verticle).map(id -> {
      LoggerFactory.getLogger(SessionServiceMain.class).info("{} listening on port {}", SessionServiceConfig.SERVICE_NAME,
          verticle.port());
      return verticle;
    });
  }
}
