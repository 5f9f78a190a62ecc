package dev.rtvoice.e2e.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.e2e.harness.Suite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The browser side against the running suite: the client library's node tests and type check, then its
 * Playwright scenarios in Debian's Chromium (clients/web/test-browser), which drive the library and
 * the operator console against the services started here as processes. Screenshots land in
 * e2e/target/e2e-logs/screenshots.
 */
class BrowserIT {
  private static final Duration TIMEOUT = Duration.ofMinutes(8);
  /** upstream-sim's maximum call duration in this suite; the browser test's in-page upstream gets the same. */
  private static final String SIM_SESSION_MAX = "20s";

  @Test
  void clientLibraryAndConsoleInARealBrowser() throws Exception {
    Path web = Suite.root().resolve("clients/web");
    run(List.of("npm", "test"), web, null, "client library node tests");
    // the hand-written types against a typed usage example, resolved through package.json's exports
    assertThat(web.resolve("node_modules/typescript")).as("npm ci in clients/web (.ci/run does it)").exists();
    run(List.of("npm", "run", "typecheck"), web, null, "client library typecheck");
    assertThat(web.resolve("node_modules/playwright-core")).as("npm ci in clients/web (.ci/run does it)").exists();
    assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium (.ci/run installs it)").exists();
    // a short upstream cap, and the hand-over advised well before it (6-rollover: 70 s across three or more)
    Suite.Options options = Suite.Options.scenario()
        .withServiceEnv("upstream-sim", Map.of("SIM_SESSION_MAX", SIM_SESSION_MAX))
        .withServiceEnv("session-service", Map.of("ROLLOVER_AFTER", "12s"));
    try (Suite suite = Suite.start(options)) {
      Path screenshots = suite.workDir.resolve("screenshots");
      Files.createDirectories(screenshots);
      run(List.of("npm", "run", "test:browser"), web, new String[] {
          "CONSOLE_URL", suite.consoleUrl, "TOKEN_URL", suite.tokenUrl, "SESSION_URL", suite.sessionUrl,
          "METRICS_URL", suite.metricsUrl, "ALERTING_URL", suite.alertingUrl, "SIM_URL", suite.simUrl,
          "USER_TOKEN", suite.identity.userToken("browser-user-1", Duration.ofMinutes(30)),
          "SCREENSHOT_DIR", screenshots.toString(), "SIM_SESSION_MAX", SIM_SESSION_MAX}, "browser scenarios");
      try (var files = Files.list(screenshots)) {
        assertThat(files.filter(f -> f.toString().endsWith(".png")).count()).as("console screenshots").isPositive();
      }
    }
  }

  private static void run(List<String> command, Path dir, String[] env, String what) throws Exception {
    Path log = Suite.root().resolve("e2e/target/e2e-logs").resolve(what.replace(' ', '-') + ".log");
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    if (env != null) {
      for (int i = 0; i < env.length; i += 2) {
        builder.environment().put(env[i], env[i + 1]);
      }
    }
    Process p = builder.start();
    p.getOutputStream().close();
    boolean done = p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    String output = Files.readString(log);
    System.out.println("---- " + what + " ----\n" + output);
    assertThat(done).as(what + " finished within " + TIMEOUT).isTrue();
    assertThat(p.exitValue()).as(what + " failed:\n" + output).isZero();
  }
}
