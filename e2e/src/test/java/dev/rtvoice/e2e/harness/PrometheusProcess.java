package dev.rtvoice.e2e.harness;

import dev.rtvoice.common.testing.Http;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Debian's Prometheus on a free loopback port, with the timings Debian ships in
 * /etc/prometheus/prometheus.yml (15 s scrape and evaluation), one scrape target, one rules file
 * and one Alertmanager. Wrapped like {@link AlertmanagerProcess} so it never outlives the run.
 */
public final class PrometheusProcess implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/prometheus");

  private final ManagedProcess process;
  private final int port;

  private PrometheusProcess(ManagedProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  public static PrometheusProcess start(Path workDir, String scrapeTarget, String rulesYaml, String alertmanagerUrl,
                                        String interval) throws IOException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is missing: install Debian's prometheus (.ci/run does)");
    }
    Files.createDirectories(workDir);
    // a fresh start: a notification log or TSDB left by an earlier run would change what happens
    Dirs.deleteRecursively(workDir.resolve("data"));
    Path rules = workDir.resolve("rules.yml");
    Files.writeString(rules, rulesYaml);
    String config = "global:\n  scrape_interval: " + interval + "\n  evaluation_interval: " + interval + "\n"
        + "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['"
        + alertmanagerUrl.replaceFirst("^https?://", "") + "']\n"
        + "rule_files:\n  - " + rules + "\n"
        + "scrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['" + scrapeTarget + "']\n";
    Path configFile = workDir.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    int port = Ports.free();
    String command = BINARY + " --config.file=" + configFile + " --storage.tsdb.path=" + workDir.resolve("data")
        + " --web.listen-address=127.0.0.1:" + port + " --log.level=warn";
    ManagedProcess process = new ManagedProcess("prometheus",
        List.of("sh", "-c", command + " & pid=$!; cat > /dev/null; kill $pid; wait $pid"), Map.of(), workDir).start();
    PrometheusProcess prometheus = new PrometheusProcess(process, port);
    Http.awaitOk(prometheus.url() + "/-/ready", Duration.ofSeconds(30));
    return prometheus;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    process.stop();
  }
}
