package dev.rtvoice.stack;

import dev.rtvoice.alerting.AlertingServiceMain;
import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.KafkaBroker;
import dev.rtvoice.broker.KafkaBrokers;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.console.ConsoleMain;
import dev.rtvoice.metrics.MetricsServiceMain;
import dev.rtvoice.sessions.SessionServiceMain;
import dev.rtvoice.tokens.TokenServiceMain;
import dev.rtvoice.upstreamsim.UpstreamSimVerticle;
import dev.rtvoice.upstreamsim.config.SimConfig;
import io.vertx.core.Future;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the whole suite in one place: a real Kafka broker (or the configured cluster), the upstream
 * simulator (unless a real OpenAI key is configured), the four services and the operator console, each
 * in its own Vert.x runtime as if it were its own process. Closing stops them in reverse order, the broker last.
 */
public final class StackLauncher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StackLauncher.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaBroker broker;
  private final List<ServiceRuntime> runtimes = new ArrayList<>();
  private final Map<String, String> urls = new LinkedHashMap<>();
  private boolean usingSimulator;
  private boolean brokerClosed;

  private StackLauncher(KafkaBroker broker) {
    this.broker = broker;
  }

  public static StackLauncher start(StackConfig config, Env env) {
    KafkaBroker broker = config.externalKafka().isPresent()
        ? KafkaBrokers.start(BrokerOptions.ephemeral())
        : KafkaBrokers.start(BrokerOptions.persistent(config.dataDir().resolve("kafka"), config.kafkaPort(),
            config.kafkaControllerPort()));
    StackLauncher stack = new StackLauncher(broker);
    try {
      stack.startServices(config, env);
      stack.awaitReady();
      return stack;
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  private void startServices(StackConfig config, Env env) {
    Map<String, String> shared = new HashMap<>();
    shared.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    shared.put("HTTP_HOST", "127.0.0.1");
    if (config.openAiApiKey().isPresent()) {
      shared.put("UPSTREAM_BASE_URL", env.string("UPSTREAM_BASE_URL", "https://api.openai.com"));
    } else {
      usingSimulator = true;
      Map<String, String> simEnv = new HashMap<>(env.asMap());
      simEnv.put("SIM_PORT", Integer.toString(config.simPort()));
      simEnv.put("SIM_API_KEY", SimConfig.DEV_API_KEY);
      ServiceRuntime sim = runtime("upstream-sim");
      SimConfig simConfig = SimConfig.fromEnv(new Env(simEnv));
      await("upstream-sim", sim.vertx().deployVerticle(new UpstreamSimVerticle(simConfig, sim.registry())));
      String simUrl = "http://127.0.0.1:" + config.simPort();
      urls.put("upstream-sim", simUrl);
      shared.put("UPSTREAM_BASE_URL", simUrl);
      shared.put("OPENAI_API_KEY", SimConfig.DEV_API_KEY);
    }
    // the local stack is a development setup: dev identity provider and dev handle key
    shared.put("DEV_MODE", env.string("DEV_MODE", "true"));
    if (env.secret("SESSION_HANDLE_KEY").isEmpty()) {
      shared.put("SESSION_HANDLE_KEY", SessionHandleCodec.DEV_KEY);
    }
    Env base = env.with(shared);

    deploy("token-service", config.tokenPort(), base, r -> TokenServiceMain.deploy(r, envFor(base, config.tokenPort())));
    deploy("session-service", config.sessionPort(), base,
        r -> SessionServiceMain.deploy(r, envFor(base, config.sessionPort())));
    deploy("metrics-service", config.metricsPort(), base,
        r -> MetricsServiceMain.deploy(r, envFor(base, config.metricsPort())));
    deploy("alerting-service", config.alertingPort(), base,
        r -> AlertingServiceMain.deploy(r, envFor(base, config.alertingPort())));
    // the console last: it proxies to the services above
    Env consoleEnv = base.with(Map.of(
        "CONSOLE_PORT", Integer.toString(config.consolePort()),
        "TOKEN_SERVICE_URL", urls.get("token-service"),
        "SESSION_SERVICE_URL", urls.get("session-service"),
        "METRICS_SERVICE_URL", urls.get("metrics-service"),
        "ALERTING_SERVICE_URL", urls.get("alerting-service")));
    deploy("console", config.consolePort(), base, r -> ConsoleMain.deploy(r, consoleEnv));
  }

  private static Env envFor(Env base, int port) {
    return base.with(Map.of("HTTP_PORT", Integer.toString(port)));
  }

  private void deploy(String name, int port, Env base, Function<ServiceRuntime, Future<?>> deployment) {
    ServiceRuntime runtime = runtime(name);
    await(name, deployment.apply(runtime));
    urls.put(name, "http://127.0.0.1:" + port);
  }

  private ServiceRuntime runtime(String name) {
    ServiceRuntime runtime = ServiceRuntime.create(name);
    runtimes.add(runtime);
    return runtime;
  }

  private static void await(String name, Future<?> deployment) {
    try {
      deployment.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(name + " failed to start: " + (e.getCause() != null ? e.getCause() : e), e);
    }
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    for (Map.Entry<String, String> service : urls.entrySet()) {
      URI ready = URI.create(service.getValue() + "/health/ready");
      while (true) {
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            break;
          }
        } catch (Exception e) {
          if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + service.getKey());
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(service.getKey() + " was not ready within " + READY_TIMEOUT);
        }
        sleep(100);
      }
    }
  }

  public Map<String, String> urls() {
    return Collections.unmodifiableMap(urls);
  }

  public KafkaBroker broker() {
    return broker;
  }

  public boolean usingSimulator() {
    return usingSimulator;
  }

  /**
   * Stops the suite in the order a platform would: every service's readiness DOWN first, then each
   * service in reverse start order (it drains its requests, flushes, commits and leaves its consumer
   * groups), and the broker only once no service is connected to it, so that no client is left
   * retrying a broker that went away.
   */
  @Override
  public synchronized void close() {
    for (ServiceRuntime runtime : runtimes) {
      runtime.beginDraining();
    }
    if (!runtimes.isEmpty()) {
      LOG.info("readiness DOWN on every service; stopping them");
    }
    for (int i = runtimes.size() - 1; i >= 0; i--) {
      ServiceRuntime runtime = runtimes.get(i);
      try {
        runtime.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("{} stopped", runtime.serviceName());
      } catch (Exception e) {
        LOG.warn("{} did not stop cleanly", runtime.serviceName(), e);
      }
    }
    runtimes.clear();
    if (!brokerClosed) {
      brokerClosed = true;
      LOG.info("stopping the Kafka broker");
      broker.close();
      LOG.info("Kafka broker stopped");
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }
}
