package dev.rtvoice.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/alertmanager: a valid configuration that routes the suite's alerts by severity. */
class AlertmanagerConfigTest {

  @Test
  void passesAmtoolCheckConfig() {
    Commands.Result r = Commands.run(OperatorFiles.ROOT, "amtool", "check-config", OperatorFiles.ALERTMANAGER.toString());
    assertThat(r.ok()).as(r.output()).isTrue();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void aBrokenConfigurationFailsTheCheck(@TempDir Path dir) throws IOException {
    Path broken = dir.resolve("alertmanager.yml");
    Files.writeString(broken, OperatorFiles.read(OperatorFiles.ALERTMANAGER)
        .replace("receiver: oncall-pager", "receiver: no-such-receiver"));
    Commands.Result r = Commands.run(dir, "amtool", "check-config", broken.toString());
    assertThat(r.ok()).as(r.output()).isFalse();
    assertThat(r.output()).contains("no-such-receiver");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyRuleOfTheSuiteRoutesByItsSeverity() {
    Map<String, String> receiverOf = Map.of("page", "oncall-pager", "warning", "oncall-pager",
        "ticket", "team-tickets");
    OperatorFiles.defaultRules().forEach((name, rule) -> {
      Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
      String severity = (String) labels.get("severity");
      assertThat(receiverOf).as("severity of %s", name).containsKey(severity);
      assertThat(route("alertname=" + name, "severity=" + severity, "category=" + labels.get("category")))
          .as("receiver of %s", name).isEqualTo(receiverOf.get(severity));
    });
    // an alert without a known severity still reaches someone
    assertThat(route("alertname=Unknown")).isEqualTo("team-tickets");
  }

  private static String route(String... labels) {
    String[] command = new String[5 + labels.length];
    command[0] = "amtool";
    command[1] = "config";
    command[2] = "routes";
    command[3] = "test";
    command[4] = "--config.file=" + OperatorFiles.ALERTMANAGER;
    System.arraycopy(labels, 0, command, 5, labels.length);
    Commands.Result r = Commands.run(OperatorFiles.ROOT, command);
    assertThat(r.ok()).as(r.output()).isTrue();
    // amtool prints a warning about --alertmanager.url on the same streams; the receiver is its own line
    return r.output().lines().filter(l -> !l.startsWith("Warning")).findFirst().orElse("").trim();
  }
}
