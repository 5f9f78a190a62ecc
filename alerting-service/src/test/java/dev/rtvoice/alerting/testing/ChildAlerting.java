package dev.rtvoice.alerting.testing;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** alerting-service as a separate JVM ({@code java -cp <test classpath> AlertingServiceMain}), killable with SIGKILL. */
public final class ChildAlerting implements AutoCloseable {
  public final String name;
  public final Process process;
  public final String base;

  private ChildAlerting(String name, Process process, String base) {
    this.name = name;
    this.process = process;
    this.base = base;
  }

  /** Starts the JVM; {@link #awaitReady(Duration)} waits for it, so that several can start side by side. */
  public static ChildAlerting start(String name, Map<String, String> env) throws Exception {
    int port = freePort();
    File dir = new File("target");
    dir.mkdirs();
    Path log = new File(dir, name + ".log").toPath();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        "dev.rtvoice.alerting.AlertingServiceMain"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    builder.environment().putAll(env);
    builder.environment().put("HTTP_HOST", "127.0.0.1");
    builder.environment().put("HTTP_PORT", Integer.toString(port));
    return new ChildAlerting(name, builder.start(), "http://127.0.0.1:" + port);
  }

  public ChildAlerting awaitReady(Duration timeout) {
    Eventually.await(name + " ready (log: target/" + name + ".log)", () -> {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + ", see target/" + name + ".log");
      }
      try {
        return Http.get(base + "/health/ready").status() == 200;
      } catch (RuntimeException e) {
        return false;
      }
    }, timeout);
    return this;
  }

  /** The value of a gauge or counter with one series in {@code /metrics}, or NaN when absent or unreachable. */
  public double metric(String name) {
    try {
      for (String line : Http.get(base + "/metrics").body().split("\n")) {
        if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    } catch (RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  /** SIGKILL: no shutdown hook, no drain, no leaving the consumer group. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
