package dev.rtvoice.e2e.secured;

import dev.rtvoice.common.kafka.ServiceAcls;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.SecuredKafka;
import dev.rtvoice.e2e.harness.IdentityProvider;
import dev.rtvoice.e2e.harness.ManagedProcess;
import dev.rtvoice.e2e.harness.Ports;
import dev.rtvoice.e2e.harness.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * upstream-sim and the four services, each from its packaged jar, on a secured child broker
 * (SASL_SSL, mutual TLS, StandardAuthorizer), each service with a principal of its own and only the
 * ACLs of the shipped {@code deploy/kafka-acls/acls.conf}. Every way of connecting is used at once:
 * token-service SCRAM-SHA-512, session-service SCRAM-SHA-512 with its password in a file,
 * metrics-service PLAIN, alerting-service mutual TLS.
 */
final class SecuredSuite implements AutoCloseable {
  static final String PREFIX = "sec.";
  static final List<String> SERVICES = List.of("token-service", "session-service", "metrics-service",
      "alerting-service");
  /** A user with the token-service's ACLs but one: for the missing-ACL case. */
  static final String LIMITED = "token-limited";

  final SecuredKafka kafka;
  final Path workDir;
  final IdentityProvider identity;
  final Map<String, String> urls = new LinkedHashMap<>();
  final Map<String, Map<String, String>> envs = new LinkedHashMap<>();
  final String apiKey;
  final List<String> secrets = new ArrayList<>();
  private final List<ManagedProcess> processes = new ArrayList<>();

  private SecuredSuite(SecuredKafka kafka, Path workDir) {
    this.kafka = kafka;
    this.workDir = workDir;
    this.identity = new IdentityProvider("https://idp.secured.example", "rtvoice-secured", random(32));
    this.apiKey = "sk-secured-" + random(16);
  }

  /** Starts everything in {@code workDir}, emptied first (the logs are swept for secrets afterwards). */
  static SecuredSuite start(Path workDir) throws Exception {
    if (Files.exists(workDir)) {
      try (java.util.stream.Stream<Path> paths = Files.walk(workDir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(workDir);
    List<String> users = new ArrayList<>(SERVICES);
    users.add(LIMITED);
    SecuredKafka kafka = SecuredKafka.start(workDir.resolve("kafka"), users);
    SecuredSuite suite = new SecuredSuite(kafka, workDir);
    try {
      suite.secrets.addAll(kafka.secrets());
      suite.secrets.add(suite.apiKey);
      kafka.grant(shippedAcls(), PREFIX);
      suite.startAll();
      return suite;
    } catch (Exception | Error e) {
      suite.close();
      throw e;
    }
  }

  /** The operator's file, as apply.sh reads it. */
  static List<ServiceAcls.Rule> shippedAcls() throws Exception {
    return ServiceAcls.parse(Files.readString(Suite.root().resolve("deploy/kafka-acls/acls.conf")));
  }

  private void startAll() throws Exception {
    int simPort = Ports.free();
    urls.put("upstream-sim", "http://127.0.0.1:" + simPort);
    Path rules = workDir.resolve("rules.yaml");
    try (var in = SecuredSuite.class.getResourceAsStream("/e2e-rules.yaml")) {
      Files.write(rules, in.readAllBytes());
    }
    Path sessionPassword = workDir.resolve("session-service.kafka-password");
    Files.writeString(sessionPassword, kafka.password("session-service") + "\n");

    Map<String, String> shared = new LinkedHashMap<>();
    shared.put("KAFKA_TOPIC_PREFIX", PREFIX);
    shared.put("HTTP_HOST", "127.0.0.1");
    shared.put("DEV_MODE", "false");
    shared.put("SESSION_HANDLE_KEY", random(32));
    shared.put("UPSTREAM_BASE_URL", urls.get("upstream-sim"));
    shared.put("OPENAI_API_KEY", apiKey);
    shared.put("EXIT_WITH_PARENT", "true");

    Map<String, String> session = new LinkedHashMap<>(kafka.saslEnv("session-service", "SCRAM-SHA-512"));
    session.remove("KAFKA_SASL_PASSWORD");
    session.put("KAFKA_SASL_PASSWORD_FILE", sessionPassword.toString());
    envs.put("token-service", merge(shared, kafka.saslEnv("token-service", "SCRAM-SHA-512"), Map.of(
        "AUTH_JWT_HMAC_SECRET", identity.hmacSecret(), "AUTH_JWT_ISSUER", identity.issuer(),
        "AUTH_JWT_AUDIENCE", identity.audience())));
    envs.put("session-service", merge(shared, session, Map.of("OPERATOR_TOKEN", "op-" + random(8))));
    envs.put("metrics-service", merge(shared, kafka.saslEnv("metrics-service", "PLAIN"), Map.of(
        "INSTANCE_ID", "metrics-secured-1", "WINDOW_BUCKET", "1s", "WINDOW_ALLOWED_LATENESS", "2s",
        "PANE_INTERVAL", "250ms")));
    envs.put("alerting-service", merge(shared, kafka.mutualTlsEnv("alerting-service"), Map.of(
        "ALERT_RULES_FILE", rules.toString(), "ALERT_GROUP_WAIT", "0s", "ALERT_GROUP_INTERVAL", "1s",
        "ALERT_LATE_GRACE", "1s")));

    start("upstream-sim", Map.of("SIM_HOST", "127.0.0.1", "SIM_PORT", Integer.toString(simPort), "SIM_API_KEY", apiKey,
        "EXIT_WITH_PARENT", "true"));
    for (String service : SERVICES) {
      int port = Ports.free();
      urls.put(service, "http://127.0.0.1:" + port);
      envs.put(service, merge(envs.get(service), Map.of("HTTP_PORT", Integer.toString(port))));
      start(service, envs.get(service));
    }
    for (Map.Entry<String, String> u : urls.entrySet()) {
      awaitReady(u.getKey(), u.getValue());
    }
  }

  /** Starts one more instance of a module under another name, with {@code env}; not awaited. */
  ManagedProcess start(String name, String module, Map<String, String> env) {
    Path jar = Suite.root().resolve(module).resolve("target").resolve(module + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run the tests through `mvn verify`");
    }
    if (module.equals("token-service") && !env.containsKey("TOKEN_OUTBOX_DIR")) {
      // each token-service instance holds its own outbox (a second one on the same directory refuses to start)
      env = new HashMap<>(env);
      env.put("TOKEN_OUTBOX_DIR", workDir.resolve("token-outbox-" + name).toString());
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ManagedProcess p = new ManagedProcess(name, List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-jar", jar.toString()), env, workDir).start();
    processes.add(p);
    return p;
  }

  private void start(String module, Map<String, String> env) {
    start(module, module, env);
  }

  private void awaitReady(String name, String url) {
    try {
      Http.awaitOk(url + "/health/ready", Duration.ofSeconds(120));
    } catch (AssertionError | RuntimeException e) {
      ManagedProcess p = processes.stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
      throw new IllegalStateException(name + " was not ready; its log ends with:\n"
          + (p == null ? "(not running)" : p.tail(40)), e);
    }
  }

  /** Every line every process wrote so far. */
  List<String> logs() throws Exception {
    List<String> lines = new ArrayList<>();
    for (ManagedProcess p : processes) {
      if (Files.exists(p.log())) {
        lines.addAll(Files.readAllLines(p.log(), java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    return lines;
  }

  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).stop();
    }
    kafka.close();
  }

  @SafeVarargs
  static Map<String, String> merge(Map<String, String>... maps) {
    Map<String, String> all = new LinkedHashMap<>();
    for (Map<String, String> m : maps) {
      all.putAll(m);
    }
    return all;
  }

  static String random(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
