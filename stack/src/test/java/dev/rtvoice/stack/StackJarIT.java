package dev.rtvoice.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command, for real: the packaged {@code stack.jar} brings every service to ready
 * within 60 s, each service's {@code /metrics} carries its own JVM and Vert.x meters, and Ctrl-C
 * (SIGINT) stops everything in order: readiness DOWN, the services (leaving their consumer groups),
 * the broker last, without a Kafka connection warning.
 */
class StackJarIT {

  @Test
  void runCommandBringsEverythingUpAndCtrlCLeavesNothingBehind(@TempDir Path dataDir) throws Exception {
    Map<String, Integer> ports = Map.of("TOKEN_SERVICE_PORT", freePort(), "SESSION_SERVICE_PORT", freePort(),
        "METRICS_SERVICE_PORT", freePort(), "ALERTING_SERVICE_PORT", freePort(), "UPSTREAM_SIM_PORT", freePort(),
        "STACK_KAFKA_PORT", freePort(), "STACK_KAFKA_CONTROLLER_PORT", freePort(), "CONSOLE_PORT", freePort());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-jar", System.getProperty("stack.jar"))
        .directory(dataDir.toFile())
        .redirectErrorStream(true);
    builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
    builder.environment().remove("OPENAI_API_KEY");
    builder.environment().put("STACK_DATA_DIR", dataDir.resolve("suite").toString());
    ports.forEach((k, v) -> builder.environment().put(k, Integer.toString(v)));

    long started = System.nanoTime();
    Process stack = builder.start();
    List<String> output = new ArrayList<>();
    List<ProcessHandle> children;
    try {
      awaitLine(stack, output, "SUITE READY", Duration.ofSeconds(60));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
      for (String service : List.of("TOKEN_SERVICE_PORT", "SESSION_SERVICE_PORT", "METRICS_SERVICE_PORT",
          "ALERTING_SERVICE_PORT", "UPSTREAM_SIM_PORT", "CONSOLE_PORT")) {
        String url = "http://127.0.0.1:" + ports.get(service);
        assertThat(String.join("\n", output)).contains(url);
        assertThat(Http.get(url + "/health/ready").status()).as(service).isEqualTo(200);
      }
      assertThat(String.join("\n", output)).as("a development user token in the banner")
          .containsPattern("user token +ey[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
      String console = "http://127.0.0.1:" + ports.get("CONSOLE_PORT");
      assertThat(Http.get(console + "/").body()).contains("/console/console.js");
      assertThat(Http.get(console + "/api/token/health/ready").status()).as("the console reaches token-service")
          .isEqualTo(200);
      // every service in the one JVM carries its own JVM and Vert.x meters, none of another's
      Map<String, String> names = Map.of("TOKEN_SERVICE_PORT", "token-service", "SESSION_SERVICE_PORT",
          "session-service", "METRICS_SERVICE_PORT", "metrics-service", "ALERTING_SERVICE_PORT", "alerting-service",
          "UPSTREAM_SIM_PORT", "upstream-sim", "CONSOLE_PORT", "console");
      names.forEach((port, name) -> {
        String metrics = Http.get("http://127.0.0.1:" + ports.get(port) + "/metrics").body();
        String own = "service=\"" + name + "\"";
        assertThat(lineOf(metrics, "jvm_memory_used_bytes{")).as(name + " JVM meters").contains(own);
        assertThat(lineOf(metrics, "vertx_http_server_requests_total{")).as(name + " Vert.x meters").contains(own);
        names.values().stream().filter(other -> !other.equals(name)).forEach(other ->
            assertThat(metrics).as(name + " /metrics").doesNotContain("service=\"" + other + "\""));
      });
      children = stack.descendants().toList();
      assertThat(children).as("the broker child process").isNotEmpty();
    } catch (Throwable t) {
      stack.destroyForcibly();
      throw new AssertionError("stack output:\n" + String.join("\n", output), t);
    }

    // Ctrl-C. A process started from a background job inherits SIGINT ignored, and then the JVM runs
    // no shutdown hook on it; there SIGTERM, which runs the same hook, stands in for it.
    String signal = ignoresSigint(stack.pid()) ? "-TERM" : "-INT";
    new ProcessBuilder("kill", signal, Long.toString(stack.pid())).start().waitFor();
    assertThat(stack.waitFor(60, TimeUnit.SECONDS)).as("stack exits after SIGINT").isTrue();
    for (ProcessHandle child : children) {
      Eventually.await("child " + child.pid() + " gone", () -> !child.isAlive(), Duration.ofSeconds(30));
    }

    // the order of the stop: readiness DOWN everywhere, each service stopped (its consumers closed, its
    // groups left), then the broker; and no client left retrying a broker that went away
    List<String> lines;
    synchronized (output) {
      lines = new ArrayList<>(output);
    }
    String log = String.join("\n", lines);
    int stopping = indexOf(lines, "stopping the suite...");
    int down = indexOf(lines, "readiness DOWN on every service");
    int brokerStopping = indexOf(lines, "stopping the Kafka broker");
    assertThat(stopping).as(log).isGreaterThanOrEqualTo(0);
    assertThat(down).as(log).isGreaterThan(stopping);
    for (String service : List.of("console", "alerting-service", "metrics-service", "session-service",
        "token-service", "upstream-sim")) {
      int stopped = indexOf(lines, "StackLauncher - " + service + " stopped");
      assertThat(stopped).as(service + " stopped, before the broker:\n" + log).isGreaterThan(down)
          .isLessThan(brokerStopping);
    }
    assertThat(indexOf(lines, "Kafka broker stopped")).as(log).isGreaterThan(brokerStopping);
    assertThat(lines.subList(stopping, lines.size())).as("no Kafka connection warnings during the stop")
        .noneMatch(l -> l.contains("could not be established") || l.contains("may not be available")
            || l.contains("Disconnected from node"));
  }

  private static int indexOf(List<String> lines, String wanted) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(wanted)) {
        return i;
      }
    }
    return -1;
  }

  private static String lineOf(String scrape, String prefix) {
    return scrape.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("(no " + prefix + " line)");
  }

  private static boolean ignoresSigint(long pid) throws IOException {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    if (!Files.exists(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << 1)) != 0;
      }
    }
    return false;
  }

  private static void awaitLine(Process process, List<String> output, String wanted, Duration timeout)
      throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + timeout.toNanos();
    Thread pump = new Thread(() -> {
      try {
        String line;
        while ((line = reader.readLine()) != null) {
          synchronized (output) {
            output.add(line);
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, "stack-output");
    pump.setDaemon(true);
    pump.start();
    while (System.nanoTime() < deadline) {
      synchronized (output) {
        if (output.stream().anyMatch(l -> l.contains(wanted))) {
          return;
        }
      }
      if (!process.isAlive()) {
        throw new AssertionError("the stack exited with " + process.exitValue());
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError("'" + wanted + "' not printed within " + timeout);
  }

  private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();

  /**
   * A free port below Linux's ephemeral range (32768-60999): a port from that range, free when checked,
   * was once given to a client connection's source port before the stack bound it (the console's
   * BindException in a clean-clone run); below it, no outgoing connection can take it meanwhile.
   */
  private static int freePort() throws IOException {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 500; attempt++) {
      int port = 20_000 + random.nextInt(12_000);
      if (!HANDED_OUT.add(port)) {
        continue;
      }
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException inUse) {
        // taken by something else: another one
      }
    }
    throw new IOException("no free port found in 20000-31999");
  }
}
