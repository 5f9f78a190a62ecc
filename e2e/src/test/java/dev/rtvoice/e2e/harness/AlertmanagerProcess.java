package dev.rtvoice.e2e.harness;

import dev.rtvoice.common.testing.Http;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on free loopback ports, clustering off, its
 * own storage. Wrapped in a shell that kills it when our stdin closes, so it never outlives the run.
 */
public final class AlertmanagerProcess implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");

  private final ManagedProcess process;
  private final int port;

  private AlertmanagerProcess(ManagedProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * @param webhookUrl where Alertmanager notifies (null: nowhere)
   * @param groupWait Alertmanager's group_wait (Debian ships 30s)
   */
  public static AlertmanagerProcess start(Path workDir, String webhookUrl, String groupWait) throws IOException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is missing: install Debian's prometheus-alertmanager (.ci/run does)");
    }
    Files.createDirectories(workDir);
    // a fresh start: a notification log or TSDB left by an earlier run would change what happens
    Dirs.deleteRecursively(workDir.resolve("data"));
    String receiver = webhookUrl == null
        ? "receivers:\n  - name: sre\n"
        : "receivers:\n  - name: sre\n    webhook_configs:\n      - url: '" + webhookUrl + "'\n        send_resolved: true\n";
    // the route timings of Debian's shipped /etc/prometheus/alertmanager.yml, group_wait aside
    String config = "route:\n  receiver: sre\n  group_by: ['alertname']\n  group_wait: " + groupWait + "\n"
        + "  group_interval: 5m\n  repeat_interval: 3h\n" + receiver;
    Path configFile = workDir.resolve("alertmanager.yml");
    Files.writeString(configFile, config);
    int port = Ports.free();
    String command = BINARY + " --config.file=" + configFile + " --storage.path=" + workDir.resolve("data")
        + " --web.listen-address=127.0.0.1:" + port + " --cluster.listen-address= --log.level=warn";
    // the shell forwards our death: when stdin closes, it stops Alertmanager
    ManagedProcess process = new ManagedProcess("alertmanager",
        List.of("sh", "-c", command + " & pid=$!; cat > /dev/null; kill $pid; wait $pid"),
        Map.of(), workDir).start();
    AlertmanagerProcess am = new AlertmanagerProcess(process, port);
    Http.awaitOk(am.url() + "/-/ready", Duration.ofSeconds(30));
    return am;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    process.stop();
  }
}
