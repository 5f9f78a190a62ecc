package dev.rtvoice.alerting;

import dev.rtvoice.alerting.config.AlertingServiceConfig;
import dev.rtvoice.alerting.config.RulesLoader;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.http.CorsPolicy;
import dev.rtvoice.common.runtime.ServiceMain;
import dev.rtvoice.common.runtime.ServiceRuntime;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.List;
import org.slf4j.LoggerFactory;

/** {@code java -jar alerting-service.jar}: rules over metric windows, delivered to SREs. */
public final class AlertingServiceMain {
  private AlertingServiceMain() {}

  public static void main(String[] args) {
    ServiceMain.run(AlertingServiceConfig.SERVICE_NAME, runtime -> deploy(runtime, Env.system()));
  }

  /** Deploys the service into {@code runtime}; the local stack calls this too. */
  public static Future<AlertingServiceVerticle> deploy(ServiceRuntime runtime, Env env) {
    return deploy(runtime, env, Clock.systemUTC());
  }

  /** As {@link #deploy(ServiceRuntime, Env)}, on a given wall clock. */
  public static Future<AlertingServiceVerticle> deploy(ServiceRuntime runtime, Env env, Clock clock) {
    AlertingServiceVerticle verticle;
    List<RuleSpec> rules;
    try {
      AlertingServiceConfig config = AlertingServiceConfig.fromEnv(env);
      // validated before anything starts: a bad rules file stops the service with every problem named
      rules = RulesLoader.load(config.rulesFile());
      verticle = new AlertingServiceVerticle(config, rules, runtime.registry(), clock, CorsPolicy.fromEnv(env));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return runtime.vertx().deployVerticle(verticle).map(id -> {
      LoggerFactory.getLogger(AlertingServiceMain.class).info("{} listening on port {} with {} rule(s)",
          AlertingServiceConfig.SERVICE_NAME, verticle.port(), rules.size());
      return verticle;
    });
  }
}
