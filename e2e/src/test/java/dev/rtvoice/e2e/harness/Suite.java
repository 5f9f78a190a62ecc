package dev.rtvoice.e2e.harness;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.KafkaBroker;
import dev.rtvoice.broker.KafkaBrokers;
import dev.rtvoice.common.testing.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The suite under test, as its users see it: URLs, a Kafka bootstrap address, an identity provider
 * the token-service trusts, a webhook receiver the alerting-service delivers to, an Alertmanager,
 * and the secrets that must never leak (for the sweep).
 *
 * <p>Local mode (the default) starts everything as separate processes from the jars users run:
 * the broker, upstream-sim, the four services and Alertmanager, and stops them all at the end.
 * {@code E2E_TARGETS=external} uses a suite already running (for example docker-compose with
 * docker-compose.e2e.yml), named by environment variables; see the README.
 */
public final class Suite implements AutoCloseable {
  public static final String TOPIC_PREFIX_LOCAL = "e2e.";
  static final List<String> SERVICES = List.of("token-service", "session-service", "metrics-service",
      "alerting-service");

  public final String tokenUrl;
  public final String sessionUrl;
  public final String metricsUrl;
  public final String alertingUrl;
  public final String simUrl;
  public final String consoleUrl;
  public final String alertmanagerUrl;
  public final String bootstrapServers;
  public final String topicPrefix;
  public final IdentityProvider identity;
  public final String operatorToken;
  /** Secrets the sweep searches for: the upstream API key (client secrets are added as issued). */
  public final String upstreamApiKey;
  public final WebhookReceiver webhook;
  public final Path workDir;
  private final Control control;

  private Suite(Map<String, String> urls, String bootstrapServers, String topicPrefix, IdentityProvider identity,
                String operatorToken, String upstreamApiKey, WebhookReceiver webhook, Path workDir, Control control) {
    this.tokenUrl = urls.get("token-service");
    this.sessionUrl = urls.get("session-service");
    this.metricsUrl = urls.get("metrics-service");
    this.alertingUrl = urls.get("alerting-service");
    this.simUrl = urls.get("upstream-sim");
    this.consoleUrl = urls.get("console");
    this.alertmanagerUrl = urls.get("alertmanager");
    this.bootstrapServers = bootstrapServers;
    this.topicPrefix = topicPrefix;
    this.identity = identity;
    this.operatorToken = operatorToken;
    this.upstreamApiKey = upstreamApiKey;
    this.webhook = webhook;
    this.workDir = workDir;
    this.control = control;
  }

  /** What a test may do to the processes: crash and start one, and read every log they wrote. */
  public interface Control extends AutoCloseable {
    void kill(String service);

    void start(String service);

    /** SIGKILL of the Kafka broker (its data stays). */
    default void killBroker() {
      kill("kafka");
    }

    /** Starts the Kafka broker again on its data. */
    default void startBroker() {
      start("kafka");
    }

    /** Every log line the suite's processes wrote so far. */
    List<String> logs();

    @Override
    void close();
  }

  /**
   * How the local suite differs from a production setup.
   *
   * @param metricsEnv metrics-service settings (the scenario uses 1 s buckets)
   * @param alertingEnv alerting-service settings
   * @param rulesResource a rules file on the test classpath, or null for the shipped default rules
   * @param serviceEnv more settings per process name (e.g. "session-service"), applied last
   * @param restartableBroker a broker that keeps its data, so that a test can SIGKILL and restart it
   */
  public record Options(Map<String, String> metricsEnv, Map<String, String> alertingEnv, String rulesResource,
                        Map<String, Map<String, String>> serviceEnv, boolean restartableBroker) {
    public Options(Map<String, String> metricsEnv, Map<String, String> alertingEnv, String rulesResource) {
      this(metricsEnv, alertingEnv, rulesResource, Map.of(), false);
    }

    /** These options, with {@code env} added to one process' environment. */
    public Options withServiceEnv(String service, Map<String, String> env) {
      Map<String, Map<String, String>> all = new LinkedHashMap<>(serviceEnv);
      all.put(service, merge(all.getOrDefault(service, Map.of()), env));
      return new Options(metricsEnv, alertingEnv, rulesResource, all, restartableBroker);
    }

    /** These options, with a broker that {@link Suite#killBroker()} and {@link Suite#startBroker()} control. */
    public Options withRestartableBroker() {
      return new Options(metricsEnv, alertingEnv, rulesResource, serviceEnv, true);
    }

    /** The scenario's: short windows, so that a run of a few minutes sees alerts fire and resolve. */
    public static Options scenario() {
      return new Options(Map.of("WINDOW_BUCKET", "1s", "WINDOW_ALLOWED_LATENESS", "2s", "PANE_INTERVAL", "250ms"),
          Map.of("ALERT_GROUP_WAIT", "0s", "ALERT_GROUP_INTERVAL", "1s", "ALERT_LATE_GRACE", "1s"),
          "/e2e-rules.yaml");
    }

    /** Every service with its shipped defaults (windows, rules, delivery timings). */
    public static Options defaults() {
      return new Options(Map.of(), Map.of(), null);
    }
  }

  public static Suite start() throws Exception {
    return start(Options.scenario());
  }

  public static Suite start(Options options) throws Exception {
    Path workDir = Path.of(System.getProperty("e2e.logs", root().resolve("e2e/target/e2e-logs").toString()));
    Files.createDirectories(workDir);
    return "external".equalsIgnoreCase(System.getenv().getOrDefault("E2E_TARGETS", "local"))
        ? external(workDir) : local(workDir, options);
  }

  // ---- local: every part a process of its own ----

  private static Suite local(Path workDir, Options options) throws Exception {
    Path root = root();
    String apiKey = "sk-e2e-" + random(24);
    IdentityProvider identity = new IdentityProvider("https://idp.e2e.example", "rtvoice-e2e", random(32));
    String operatorToken = "op-" + random(16);
    WebhookReceiver webhook = new WebhookReceiver("127.0.0.1");
    List<AutoCloseable> started = new ArrayList<>();
    started.add(webhook);
    try {
      KafkaBroker broker = options.restartableBroker() ? RestartableBroker.start(workDir.resolve("kafka-data"))
          : KafkaBrokers.start(BrokerOptions.ephemeral());
      started.add(broker);
      AlertmanagerProcess alertmanager = AlertmanagerProcess.start(workDir.resolve("alertmanager"), null, "0s");
      started.add(alertmanager);
      Map<String, String> rulesEnv = new LinkedHashMap<>();
      if (options.rulesResource() != null) {
        Path rules = workDir.resolve("rules.yaml");
        try (var in = Suite.class.getResourceAsStream(options.rulesResource())) {
          Files.write(rules, in.readAllBytes());
        }
        rulesEnv.put("ALERT_RULES_FILE", rules.toString());
      }

      Map<String, String> urls = new LinkedHashMap<>();
      Map<String, Integer> ports = new LinkedHashMap<>();
      for (String name : List.of("upstream-sim", "token-service", "session-service", "metrics-service",
          "alerting-service", "console")) {
        ports.put(name, Ports.free());
        urls.put(name, "http://127.0.0.1:" + ports.get(name));
      }
      urls.put("alertmanager", alertmanager.url());

      Map<String, String> shared = new LinkedHashMap<>();
      shared.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
      shared.put("KAFKA_TOPIC_PREFIX", TOPIC_PREFIX_LOCAL);
      shared.put("HTTP_HOST", "127.0.0.1");
      shared.put("DEV_MODE", "false");
      shared.put("SESSION_HANDLE_KEY", random(32));
      shared.put("UPSTREAM_BASE_URL", urls.get("upstream-sim"));
      shared.put("OPENAI_API_KEY", apiKey);
      // the browser app of BrowserIT is served by the console and calls the services from that origin
      shared.put("CORS_ALLOWED_ORIGINS", urls.get("console"));

      Map<String, Map<String, String>> envs = new LinkedHashMap<>();
      envs.put("upstream-sim", Map.of("SIM_HOST", "127.0.0.1", "SIM_PORT", ports.get("upstream-sim").toString(),
          "SIM_API_KEY", apiKey, "SIM_RESPONSE_LATENCY", "120ms"));
      envs.put("token-service", merge(shared, Map.of("AUTH_JWT_HMAC_SECRET", identity.hmacSecret(),
          "AUTH_JWT_ISSUER", identity.issuer(), "AUTH_JWT_AUDIENCE", identity.audience(),
          // the scenario creates many sessions for one test user; production keeps the defaults
          "RATE_LIMIT_USER_PER_MINUTE", "6000", "RATE_LIMIT_USER_BURST", "1000",
          "RATE_LIMIT_DEVICE_PER_MINUTE", "6000", "RATE_LIMIT_DEVICE_BURST", "1000",
          // its outbox outlives a SIGKILL and restart within the run, and not the run
          "TOKEN_OUTBOX_DIR", workDir.resolve("token-outbox").toString())));
      envs.put("session-service", merge(shared, Map.of("OPERATOR_TOKEN", operatorToken)));
      envs.put("metrics-service", merge(merge(shared, Map.of("INSTANCE_ID", "metrics-e2e-1")), options.metricsEnv()));
      envs.put("alerting-service", merge(merge(merge(shared, rulesEnv), Map.of(
          "ALERT_WEBHOOK_URLS", "http://127.0.0.1:" + webhook.port() + "/hook",
          "ALERTMANAGER_URL", alertmanager.url())), options.alertingEnv()));

      for (String service : SERVICES) {
        envs.put(service, merge(envs.get(service), Map.of("HTTP_PORT", ports.get(service).toString())));
      }
      options.serviceEnv().forEach((service, env) -> envs.put(service, merge(envs.get(service), env)));
      envs.put("console", Map.of("HTTP_HOST", "127.0.0.1", "CONSOLE_PORT", ports.get("console").toString(),
          "TOKEN_SERVICE_URL", urls.get("token-service"), "SESSION_SERVICE_URL", urls.get("session-service"),
          "METRICS_SERVICE_URL", urls.get("metrics-service"), "ALERTING_SERVICE_URL", urls.get("alerting-service"),
          "OPERATOR_TOKEN", operatorToken,
          // its counters are merged from every metrics-service instance's windows on Kafka
          "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(), "KAFKA_TOPIC_PREFIX", TOPIC_PREFIX_LOCAL));
      LocalControl control = new LocalControl(root, workDir, envs, ports);
      started.add(control);
      for (String name : envs.keySet()) {
        control.start(name);
      }
      for (Map.Entry<String, String> u : urls.entrySet()) {
        if (!u.getKey().equals("alertmanager")) {
          control.awaitReady(u.getKey(), u.getValue());
        }
      }
      return new Suite(urls, broker.bootstrapServers(), TOPIC_PREFIX_LOCAL, identity, operatorToken, apiKey, webhook,
          workDir, new Control() {
            @Override
            public void kill(String service) {
              control.kill(service);
            }

            @Override
            public void start(String service) {
              control.start(service);
            }

            @Override
            public void killBroker() {
              restartable(broker).kill();
            }

            @Override
            public void startBroker() {
              restartable(broker).restart();
            }

            @Override
            public List<String> logs() {
              return control.logs();
            }

            @Override
            public void close() {
              control.close();
              alertmanager.close();
              try {
                broker.close();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }
          });
    } catch (Exception | Error e) {
      for (int i = started.size() - 1; i >= 0; i--) {
        try {
          started.get(i).close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  // ---- external: a suite someone else started ----

  private static Suite external(Path workDir) throws Exception {
    Map<String, String> urls = new LinkedHashMap<>();
    urls.put("token-service", env("E2E_TOKEN_URL", "http://localhost:8081"));
    urls.put("session-service", env("E2E_SESSION_URL", "http://localhost:8082"));
    urls.put("metrics-service", env("E2E_METRICS_URL", "http://localhost:8083"));
    urls.put("alerting-service", env("E2E_ALERTING_URL", "http://localhost:8084"));
    urls.put("upstream-sim", env("E2E_SIM_URL", "http://localhost:8090"));
    urls.put("console", env("E2E_CONSOLE_URL", "http://localhost:8080"));
    urls.put("alertmanager", env("E2E_ALERTMANAGER_URL", "http://localhost:9093"));
    for (Map.Entry<String, String> u : urls.entrySet()) {
      Http.awaitOk(u.getValue() + (u.getKey().equals("alertmanager") ? "/-/ready" : "/health/ready"),
          Duration.ofSeconds(120));
    }
    int webhookPort = Integer.parseInt(env("E2E_WEBHOOK_PORT", "19999"));
    WebhookReceiver webhook = new WebhookReceiver("0.0.0.0", webhookPort);
    IdentityProvider identity = new IdentityProvider(env("E2E_JWT_ISSUER", "https://idp.e2e.example"),
        env("E2E_JWT_AUDIENCE", "rtvoice-e2e"), env("E2E_JWT_HMAC_SECRET", "e2e-identity-provider-secret-000000000"));
    String compose = env("E2E_COMPOSE", "docker-compose -f docker-compose.yml -f docker-compose.e2e.yml");
    Path root = root();
    Control control = new ComposeControl(compose, root);
    return new Suite(urls, env("KAFKA_BOOTSTRAP_SERVERS", "localhost:19092"), env("KAFKA_TOPIC_PREFIX", ""), identity,
        env("E2E_OPERATOR_TOKEN", "e2e-operator-token"), env("E2E_OPENAI_API_KEY", "sk-sim-local-dev"), webhook,
        workDir, control);
  }

  public void kill(String service) {
    control.kill(service);
  }

  /** SIGKILLs the Kafka broker; needs {@link Options#withRestartableBroker()} locally. */
  public void killBroker() {
    control.killBroker();
  }

  /** Starts the Kafka broker again on the data it had; returns once it answers. */
  public void startBroker() {
    control.startBroker();
  }

  /** The base URL of one of the four services. */
  public String serviceUrl(String service) {
    return switch (service) {
      case "token-service" -> tokenUrl;
      case "session-service" -> sessionUrl;
      case "metrics-service" -> metricsUrl;
      case "alerting-service" -> alertingUrl;
      default -> throw new IllegalArgumentException(service);
    };
  }

  private static RestartableBroker restartable(KafkaBroker broker) {
    if (broker instanceof RestartableBroker r) {
      return r;
    }
    throw new UnsupportedOperationException("the broker can be killed and restarted only when the suite is started "
        + "with Options.withRestartableBroker() (a local suite)");
  }

  /** Starts a service again and waits until it is ready. */
  public void startAgain(String service) {
    control.start(service);
    String url = switch (service) {
      case "token-service" -> tokenUrl;
      case "session-service" -> sessionUrl;
      case "metrics-service" -> metricsUrl;
      case "alerting-service" -> alertingUrl;
      default -> throw new IllegalArgumentException(service);
    };
    Http.awaitOk(url + "/health/ready", Duration.ofSeconds(90));
  }

  public List<String> logs() {
    return control.logs();
  }

  public String topic(String name) {
    return topicPrefix + name;
  }

  @Override
  public void close() throws Exception {
    try {
      control.close();
    } finally {
      webhook.close();
    }
  }

  /** The repository root: e2e.root (set by the build), else the working directory or its parent. */
  public static Path root() {
    String configured = System.getProperty("e2e.root");
    if (configured != null) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    Path cwd = Path.of("").toAbsolutePath();
    return Files.isDirectory(cwd.resolve("e2e")) ? cwd : cwd.getParent();
  }

  static String env(String name, String defaultValue) {
    return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank()).orElse(defaultValue);
  }

  static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
    Map<String, String> m = new LinkedHashMap<>(a);
    m.putAll(b);
    return m;
  }

  static String random(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static List<String> readLines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
