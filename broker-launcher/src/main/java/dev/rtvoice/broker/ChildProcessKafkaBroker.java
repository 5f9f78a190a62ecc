package dev.rtvoice.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft broker (combined broker and controller) run as a child JVM from the jars of
 * {@code org.apache.kafka:kafka_2.13}, which the {@code kafka-broker} module gathers into
 * {@code kafka-broker/target/lib}. The broker's jars are on the child's classpath only: its
 * kafka-clients is newer than the services' and must never meet it.
 *
 * <p>The child never outlives us: {@link #close()} stops it gracefully, a shutdown hook does the same
 * on Ctrl-C, and when this JVM is killed the child's {@link BrokerWatchdog} sees its stdin pipe close
 * and exits.
 */
public final class ChildProcessKafkaBroker implements KafkaBroker {
  private static final Logger LOG = LoggerFactory.getLogger(ChildProcessKafkaBroker.class);
  private static final String LIB_PROPERTY = "kafka.broker.lib";
  private static final String LIB_ENV = "KAFKA_BROKER_LIB";
  private static final Path LIB_IN_REPO = Path.of("kafka-broker", "target", "lib");
  private static final String PORTS_FILE = "rtvoice-ports.properties";

  private final Process process;
  private final Path dataDir;
  private final boolean temporary;
  private final String bootstrapServers;
  private final String sslBootstrapServers;
  private final BrokerSecurity security;
  private final Thread shutdownHook;
  private volatile boolean closed;

  private ChildProcessKafkaBroker(Process process, Path dataDir, boolean temporary, String bootstrapServers,
                                  String sslBootstrapServers, BrokerSecurity security) {
    this.process = process;
    this.dataDir = dataDir;
    this.temporary = temporary;
    this.bootstrapServers = bootstrapServers;
    this.sslBootstrapServers = sslBootstrapServers;
    this.security = security;
    this.shutdownHook = new Thread(this::stopProcess, "kafka-broker-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  public static ChildProcessKafkaBroker start(BrokerOptions options) {
    try {
      return doStart(options);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Kafka broker", e);
    }
  }

  private static ChildProcessKafkaBroker doStart(BrokerOptions options) throws IOException {
    Path lib = options.libDir() != null ? options.libDir() : locateLib();
    boolean temporary = options.dataDir() == null;
    Path dataDir = temporary ? Files.createTempDirectory("rtvoice-kafka-") : options.dataDir().toAbsolutePath();
    Files.createDirectories(dataDir);
    Path logDir = dataDir.resolve("data");

    int[] ports = choosePorts(dataDir, options);
    BrokerSecurity security = options.security();
    Path config = writeServerProperties(dataDir, logDir, ports, security);
    Path log4j = writeLog4jConfig(dataDir);
    Path watchdogDir = extractWatchdog(dataDir);
    String classpath = watchdogDir + java.io.File.pathSeparator + lib.toAbsolutePath() + java.io.File.separator + "*";

    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(classpath, log4j, config, dataDir, security);
    }

    List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xms256m", "-Xmx768m",
        "-XX:+UseG1GC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
        "-Dlog4j2.configurationFile=" + log4j.toUri(),
        "-Dkafka.logs.dir=" + dataDir,
        "-cp", classpath,
        BrokerWatchdog.class.getName(),
        Long.toString(ProcessHandle.current().pid()),
        config.toString()));
    Path out = dataDir.resolve("broker.out");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
        .start();
    // stdin stays open and unwritten: its end-of-file is how the child learns that we are gone
    String bootstrap = "127.0.0.1:" + ports[0];
    String sslBootstrap = security == null ? null : "127.0.0.1:" + ports[2];
    ChildProcessKafkaBroker broker = new ChildProcessKafkaBroker(process, dataDir, temporary, bootstrap, sslBootstrap,
        security);
    try {
      broker.awaitReady(options.startTimeout(), out);
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    LOG.info("Kafka broker ready at {} (pid {}, data in {})", bootstrap, process.pid(), dataDir);
    return broker;
  }

  /** The pid of the broker JVM (for tests that prove it does not outlive its parent). */
  public long pid() {
    return process.pid();
  }

  public Path dataDir() {
    return dataDir;
  }

  /**
   * A secured broker's mutual-TLS listener ({@code SSL}, client certificate required); null for a
   * PLAINTEXT broker, whose only listener is {@link #bootstrapServers()} (SASL_SSL when secured).
   */
  public String sslBootstrapServers() {
    return sslBootstrapServers;
  }

  /** How this broker is secured; null for a PLAINTEXT broker. */
  public BrokerSecurity security() {
    return security;
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public String description() {
    return "child-process KRaft broker at " + bootstrapServers + (security == null ? ""
        : " (SASL_SSL; mutual TLS at " + sslBootstrapServers + ")") + " (pid " + process.pid() + ")";
  }

  @Override
  public void close() {
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException ignored) {
      // already shutting down
    }
  }

  private synchronized void stopProcess() {
    if (closed) {
      return;
    }
    closed = true;
    process.destroy(); // SIGTERM: the broker's own hook does a controlled shutdown
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        LOG.warn("Kafka broker did not stop within 20 s, killing it");
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    if (temporary) {
      deleteRecursively(dataDir);
    }
  }

  private void awaitReady(Duration timeout, Path out) {
    long deadline = System.nanoTime() + timeout.toNanos();
    awaitListening(deadline, timeout, out);
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
    if (security != null) {
      props.putAll(security.adminClientProperties());
    }
    try (Admin admin = Admin.create(props)) {
      Exception last = null;
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException("the Kafka broker exited with " + process.exitValue()
              + " during start-up; its output is in " + out + ":\n" + tail(out));
        }
        try {
          // ready means it answers metadata requests, not that it printed something
          if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
            return;
          }
        } catch (Exception e) {
          last = e;
        }
        sleep(200);
      }
      throw new IllegalStateException("the Kafka broker was not ready within " + timeout + " (" + last
          + "); its output is in " + out + ":\n" + tail(out));
    }
  }

  /** Waits for the listener socket first, so the admin client does not log a warning per attempt. */
  private void awaitListening(long deadline, Duration timeout, Path out) {
    int port = Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the Kafka broker exited with " + process.exitValue()
            + " during start-up; its output is in " + out + ":\n" + tail(out));
      }
      try (java.net.Socket socket = new java.net.Socket()) {
        socket.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return;
      } catch (IOException notYet) {
        sleep(100);
      }
    }
    throw new IllegalStateException("the Kafka broker did not listen within " + timeout + "; its output is in "
        + out + ":\n" + tail(out));
  }

  private static void format(String classpath, Path log4j, Path config, Path dataDir, BrokerSecurity security)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-Dlog4j2.configurationFile=" + log4j.toUri(), "-cp", classpath, "kafka.tools.StorageTool",
        "format", "--standalone", "-t", randomClusterId(), "-c", config.toString()));
    if (security != null) {
      // SCRAM users exist from the first start: credentials live in the metadata log
      command.addAll(security.formatArguments());
    }
    Path out = dataDir.resolve("format.out");
    Process format = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(out.toFile())
        .start();
    try {
      if (!format.waitFor(60, TimeUnit.SECONDS)) {
        format.destroyForcibly();
        throw new IllegalStateException("formatting the Kafka storage did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      format.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while formatting the Kafka storage");
    }
    if (format.exitValue() != 0) {
      throw new IllegalStateException("formatting the Kafka storage failed:\n" + tail(out));
    }
  }

  /** A Kafka cluster id: 16 random bytes, base64url without padding, never starting with '-'. */
  static String randomClusterId() {
    while (true) {
      UUID uuid = UUID.randomUUID();
      ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
          .putLong(uuid.getLeastSignificantBits());
      String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
      if (!id.startsWith("-")) {
        return id;
      }
    }
  }

  private static int[] choosePorts(Path dataDir, BrokerOptions options) throws IOException {
    Path saved = dataDir.resolve(PORTS_FILE);
    if (Files.exists(saved) && Files.exists(dataDir.resolve("data").resolve("meta.properties"))) {
      // the metadata quorum remembers the controller's endpoint: a kept broker keeps its ports
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(saved)) {
        p.load(in);
      }
      return new int[] {Integer.parseInt(p.getProperty("port")), Integer.parseInt(p.getProperty("controller.port")),
          Integer.parseInt(p.getProperty("ssl.port", "0"))};
    }
    int port = options.port() != 0 ? options.port() : freePort();
    int controller = options.controllerPort() != 0 ? options.controllerPort() : freePort();
    while (controller == port) {
      controller = freePort();
    }
    int ssl = 0;
    if (options.security() != null) {
      ssl = freePort();
      while (ssl == port || ssl == controller) {
        ssl = freePort();
      }
    }
    Files.writeString(saved, "port=" + port + "\ncontroller.port=" + controller + "\nssl.port=" + ssl + "\n");
    return new int[] {port, controller, ssl};
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static Path writeServerProperties(Path dir, Path logDir, int[] ports, BrokerSecurity security)
      throws IOException {
    int port = ports[0];
    int controllerPort = ports[1];
    List<String> listeners = security == null
        ? List.of(
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT")
        : List.of(
            "listeners=SASL_SSL://127.0.0.1:" + port + ",SSL://127.0.0.1:" + ports[2]
                + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=SASL_SSL://127.0.0.1:" + port + ",SSL://127.0.0.1:" + ports[2],
            "listener.security.protocol.map=SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=SASL_SSL");
    List<String> lines = new ArrayList<>(List.of(
        "process.roles=broker,controller",
        "node.id=1",
        "controller.listener.names=CONTROLLER",
        "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort));
    lines.addAll(listeners);
    if (security != null) {
      lines.addAll(security.serverProperties("SASL_SSL", "SSL"));
    }
    String properties = String.join("\n", lines) + "\n" + String.join("\n",
        "log.dirs=" + logDir,
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=10",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=false",
        // a small machine: few threads, and compaction that keeps up with a test's pace
        "num.network.threads=2",
        "num.io.threads=4",
        "log.cleaner.threads=1",
        "log.cleaner.backoff.ms=2000",
        "")
        + "\n";
    Path file = dir.resolve("server.properties");
    Files.writeString(file, properties);
    return file;
  }

  private static Path writeLog4jConfig(Path dir) throws IOException {
    String yaml = String.join("\n",
        "Configuration:",
        "  Appenders:",
        "    File:",
        "      name: broker",
        "      fileName: \"" + dir.resolve("broker.log") + "\"",
        "      PatternLayout:",
        "        pattern: \"%d{ISO8601} %p [%c] %m%n\"",
        "  Loggers:",
        "    Root:",
        "      level: WARN",
        "      AppenderRef:",
        "        - ref: broker",
        "    Logger:",
        "      - name: kafka.server.KafkaRaftServer",
        "        level: INFO",
        "        AppenderRef:",
        "          - ref: broker",
        "")
        + "\n";
    Path file = dir.resolve("log4j2.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  /** Copies the watchdog's single class file out of our classpath (plain folder or fat jar). */
  private static Path extractWatchdog(Path dir) throws IOException {
    String resource = BrokerWatchdog.class.getName().replace('.', '/') + ".class";
    Path target = dir.resolve("watchdog").resolve(resource);
    Files.createDirectories(target.getParent());
    try (InputStream in = BrokerWatchdog.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("cannot find " + resource + " on the classpath");
      }
      Files.write(target, in.readAllBytes());
    }
    return dir.resolve("watchdog");
  }

  /**
   * The broker's jars: {@code -Dkafka.broker.lib}, else {@code KAFKA_BROKER_LIB}, else
   * {@code kafka-broker/target/lib} found upward from the working directory or from the jar or classes
   * folder this class was loaded from (so {@code java -jar stack/target/stack.jar} finds it).
   */
  static Path locateLib() {
    String configured = System.getProperty(LIB_PROPERTY, System.getenv(LIB_ENV));
    if (configured != null && !configured.isBlank()) {
      Path path = Path.of(configured);
      requireJars(path, "configured in " + LIB_PROPERTY + "/" + LIB_ENV);
      return path;
    }
    List<Path> starts = new ArrayList<>();
    starts.add(Path.of("").toAbsolutePath());
    try {
      starts.add(Path.of(BrokerWatchdog.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    } catch (URISyntaxException | RuntimeException ignored) {
      // fall back to the working directory only
    }
    for (Path start : starts) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve(LIB_IN_REPO);
        if (Files.isDirectory(candidate)) {
          requireJars(candidate, "found at " + candidate);
          return candidate;
        }
      }
    }
    throw new IllegalStateException("cannot find the Kafka broker's jars: build the kafka-broker module "
        + "(mvn -pl kafka-broker process-resources) or set " + LIB_ENV + " to a folder of Kafka 4.1 jars");
  }

  private static void requireJars(Path dir, String how) {
    try (Stream<Path> files = Files.list(dir)) {
      if (files.noneMatch(p -> p.getFileName().toString().startsWith("kafka_2.13-"))) {
        throw new IllegalStateException("no kafka_2.13 jar in " + dir + " (" + how + ")");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + dir + " (" + how + ")", e);
    }
  }

  private static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no output)";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Kafka broker");
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not delete {}", dir, e);
    }
  }
}
