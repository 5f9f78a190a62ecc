package dev.rtvoice.tokens.testing;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.tokens.TokenServiceMain;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * token-service as a JVM of its own (java -cp <test classpath> TokenServiceMain), as deployed, so a
 * test can SIGKILL it: no shutdown hook, no drain, no producer flush, no outbox close. It exits with
 * the test's JVM ({@code EXIT_WITH_PARENT}).
 */
public final class TokenServiceProcess {
  public final String base;
  public final Path outboxDir;
  private final Process process;
  private final Path log;

  private TokenServiceProcess(Process process, String base, Path outboxDir, Path log) {
    this.process = process;
    this.base = base;
    this.outboxDir = outboxDir;
    this.log = log;
  }

  /**
   * Starts it on {@code kafkaEnv}'s broker and topics, against upstream-sim at {@code sim}, with its
   * outbox in {@code outboxDir} (give the same one to restart an instance on its outbox), and waits
   * until it is ready.
   */
  public static TokenServiceProcess start(String name, Map<String, String> kafkaEnv, String sim, Path outboxDir,
                                          Map<String, String> overrides) throws Exception {
    int port = freePort();
    Map<String, String> env = new HashMap<>(kafkaEnv);
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("HTTP_PORT", Integer.toString(port));
    env.put("HTTP_INSTANCES", "1");
    env.put("DEV_MODE", "true");
    env.put("UPSTREAM_BASE_URL", sim);
    env.put("OPENAI_API_KEY", TokenServiceHarness.API_KEY);
    env.put("UPSTREAM_REQUEST_TIMEOUT", "1s");
    env.put("UPSTREAM_TOTAL_TIMEOUT", "3s");
    env.put("TOKEN_OUTBOX_DIR", outboxDir.toString());
    env.put("EXIT_WITH_PARENT", "true");
    env.put("LOG_LEVEL", "INFO");
    env.putAll(overrides);
    File dir = new File("target");
    dir.mkdirs();
    Path log = new File(dir, name + ".log").toPath();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), TokenServiceMain.class.getName()))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    TokenServiceProcess child = new TokenServiceProcess(builder.start(), "http://127.0.0.1:" + port, outboxDir, log);
    try {
      Eventually.await("token-service " + name + " ready (log: " + log + ")", () -> {
        if (!child.process.isAlive()) {
          throw new AssertionError("token-service " + name + " exited with " + child.process.exitValue() + ", see "
              + log);
        }
        try {
          return Http.get(child.base + "/health/ready").status() == 200;
        } catch (RuntimeException e) {
          return false;
        }
      }, Duration.ofSeconds(60));
    } catch (RuntimeException | AssertionError e) {
      child.kill();
      throw e;
    }
    return child;
  }

  public Http.Response issue(String user, String device) {
    return Http.post(base + "/v1/sessions", "{}", "Authorization", "Bearer " + TokenServiceHarness.userToken(user),
        "X-Device-ID", device);
  }

  /** A counter or gauge of this instance (0 when it has no such series yet). */
  public double metric(String name) {
    for (String line : Http.get(base + "/metrics").body().split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  /** SIGKILL, and waits for the process to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM: the graceful stop (drain, leave the group, deliver the outbox). */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      kill();
    }
  }

  public boolean alive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
