package dev.rtvoice.sessions.it;

import dev.rtvoice.common.testing.Http;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** session-service as a separate JVM (java -cp <test classpath> SessionServiceMain), killable with SIGKILL. */
public final class ChildService {
  public final Process process;
  public final String base;

  private ChildService(Process process, String base) {
    this.process = process;
    this.base = base;
  }

  public static ChildService start(Map<String, String> env, int port, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        "dev.rtvoice.sessions.SessionServiceMain"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    builder.environment().put("HTTP_PORT", Integer.toString(port));
    Process process = builder.start();
    String base = "http://127.0.0.1:" + port;
    ChildService child = new ChildService(process, base);
    try {
      dev.rtvoice.common.testing.Eventually.await("child session-service ready (log: " + log + ")", () -> {
        if (!process.isAlive()) {
          throw new AssertionError("child exited with " + process.exitValue() + ", see " + log);
        }
        try {
          return Http.get(base + "/health/ready").status() == 200;
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

  /** SIGKILL: no shutdown hook, no flush, no commit. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  public static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public static Path logFile(String name) {
    File dir = new File("target");
    dir.mkdirs();
    return new File(dir, name).toPath();
  }
}
