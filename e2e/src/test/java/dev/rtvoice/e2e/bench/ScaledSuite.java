package dev.rtvoice.e2e.bench;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.KafkaBroker;
import dev.rtvoice.broker.KafkaBrokers;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.harness.IdentityProvider;
import dev.rtvoice.e2e.harness.ManagedProcess;
import dev.rtvoice.e2e.harness.Ports;
import dev.rtvoice.e2e.harness.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * System A at production shape: one real broker, upstream-sim, and {@code instances} processes of
 * each service (token, session, metrics, alerting) from the packaged jars, every one with the
 * shipped defaults (default rules, 10 s buckets) and its own HTTP port; the alerting instances all
 * deliver to one webhook. Each process is a JVM of its own, so the CPU it used can be read from
 * its pid.
 */
final class ScaledSuite implements AutoCloseable {
  static final List<String> SERVICES = List.of("token-service", "session-service", "metrics-service",
      "alerting-service");

  final IdentityProvider identity;
  final String simUrl;
  private final KafkaBroker broker;
  private final Set<Long> brokerPids;
  private final ManagedProcess sim;
  /** Every service process by instance name ("session-service-2"), in start order. */
  private final Map<String, ManagedProcess> processes = new LinkedHashMap<>();
  private final Map<String, String> urls = new LinkedHashMap<>();

  private ScaledSuite(KafkaBroker broker, Set<Long> brokerPids, ManagedProcess sim, String simUrl,
                      IdentityProvider identity) {
    this.broker = broker;
    this.brokerPids = brokerPids;
    this.sim = sim;
    this.simUrl = simUrl;
    this.identity = identity;
  }

  static ScaledSuite start(Path workDir, int instances, String webhookUrl) throws Exception {
    Files.createDirectories(workDir);
    Path jars = copyJars(Suite.root(), workDir.resolve("jars"));
    Set<Long> before = childPids();
    KafkaBroker broker = KafkaBrokers.start(BrokerOptions.ephemeral());
    Set<Long> brokerPids = childPids();
    brokerPids.removeAll(before);
    String apiKey = "sk-bench-" + random(16);
    int simPort = Ports.free();
    ManagedProcess sim = new ManagedProcess("upstream-sim", java(jars, "upstream-sim"),
        Map.of("SIM_HOST", "127.0.0.1", "SIM_PORT", Integer.toString(simPort), "SIM_API_KEY", apiKey), workDir)
        .start();
    IdentityProvider identity = new IdentityProvider("https://idp.bench.example", "rtvoice-bench", random(32));
    ScaledSuite suite = new ScaledSuite(broker, brokerPids, sim, "http://127.0.0.1:" + simPort, identity);
    try {
      Map<String, String> shared = new LinkedHashMap<>();
      shared.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
      shared.put("KAFKA_TOPIC_PREFIX", "bench.");
      shared.put("HTTP_HOST", "127.0.0.1");
      shared.put("DEV_MODE", "false");
      shared.put("SESSION_HANDLE_KEY", random(32));
      shared.put("UPSTREAM_BASE_URL", suite.simUrl);
      shared.put("OPENAI_API_KEY", apiKey);
      Map<String, Map<String, String>> perService = Map.of(
          "token-service", Map.of("AUTH_JWT_HMAC_SECRET", identity.hmacSecret(), "AUTH_JWT_ISSUER", identity.issuer(),
              "AUTH_JWT_AUDIENCE", identity.audience()),
          "session-service", Map.of("OPERATOR_TOKEN", "op-" + random(16)),
          "metrics-service", Map.of(),
          "alerting-service", Map.of("ALERT_WEBHOOK_URLS", webhookUrl));
      Http.awaitOk(suite.simUrl + "/health/ready", Duration.ofSeconds(60));
      // one service at a time: the instances of a service join its consumer group together
      for (String service : SERVICES) {
        List<String> started = new ArrayList<>();
        for (int i = 1; i <= instances; i++) {
          String name = service + "-" + i;
          int port = Ports.free();
          Map<String, String> env = new LinkedHashMap<>(shared);
          env.putAll(perService.get(service));
          env.put("HTTP_PORT", Integer.toString(port));
          env.put("SERVICE_NAME", name);
          if (service.equals("token-service")) {
            // each instance's durable outbox of its own, fresh for the run
            Path outbox = workDir.resolve(name + "-outbox");
            deleteRecursively(outbox);
            env.put("TOKEN_OUTBOX_DIR", outbox.toString());
          }
          suite.processes.put(name, new ManagedProcess(name, java(jars, service), env, workDir).start());
          suite.urls.put(name, "http://127.0.0.1:" + port);
          started.add(name);
        }
        for (String name : started) {
          suite.awaitReady(name);
        }
      }
      return suite;
    } catch (Exception | Error e) {
      suite.close();
      throw e;
    }
  }

  private void awaitReady(String name) {
    try {
      Http.awaitOk(urls.get(name) + "/health/ready", Duration.ofSeconds(180));
    } catch (AssertionError | RuntimeException e) {
      throw new IllegalStateException(name + " was not ready; its log ends with:\n" + processes.get(name).tail(40), e);
    }
  }

  /** The base URLs of a service's instances, in instance order. */
  List<String> urls(String service) {
    return urls.entrySet().stream().filter(e -> e.getKey().startsWith(service + "-")).map(Map.Entry::getValue)
        .toList();
  }

  /** Each service instance's pid by instance name, then the broker's and the simulator's. */
  Map<String, Long> pids() {
    Map<String, Long> pids = new LinkedHashMap<>();
    processes.forEach((name, p) -> pids.put(name, p.pid()));
    int i = 0;
    for (long pid : brokerPids) {
      pids.put(brokerPids.size() == 1 ? "kafka-broker" : "kafka-broker-" + (++i), pid);
    }
    pids.put("upstream-sim", sim.pid());
    return pids;
  }

  /**
   * Copies the packaged jars first: every instance then runs the same build, and a build finishing
   * meanwhile cannot rewrite a jar under a running JVM.
   */
  private static Path copyJars(Path root, Path into) throws java.io.IOException {
    Files.createDirectories(into);
    for (String module : List.of("upstream-sim", "token-service", "session-service", "metrics-service",
        "alerting-service")) {
      Path jar = root.resolve(module).resolve("target").resolve(module + ".jar");
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(jar + " is missing: run `mvn -q -DskipTests install` first");
      }
      Files.copy(jar, into.resolve(module + ".jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return into;
  }

  private static List<String> java(Path jars, String module) {
    Path jar = jars.resolve(module + ".jar");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // the flags of the e2e suite's processes
    return List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-jar", jar.toString());
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static Set<Long> childPids() {
    return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toCollection(
        java.util.HashSet::new));
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  @Override
  public void close() {
    List<ManagedProcess> reverse = new ArrayList<>(processes.values());
    java.util.Collections.reverse(reverse);
    reverse.forEach(ManagedProcess::stop);
    sim.stop();
    broker.close();
  }
}
