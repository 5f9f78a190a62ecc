package dev.rtvoice.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kafka-acls/apply.sh turns every line of acls.conf into one kafka-acls.sh call with the
 * service's principal, the prefixed name and the line's operations. The command is replaced by a
 * recorder of its arguments (KAFKA_ACLS_CMD); what the grants mean on a broker is proven by
 * SecuredKafkaIT and e2e's SecuredSuiteIT, which apply the same file.
 */
class AclApplyScriptTest {
  private static final Path SCRIPT = Path.of("..", "deploy", "kafka-acls", "apply.sh").toAbsolutePath().normalize();

  @Test
  void everyRuleBecomesOneKafkaAclsCallWithThePrincipalPrefixAndOperations(@TempDir Path dir) throws Exception {
    Path calls = dir.resolve("calls.txt");
    Path recorder = dir.resolve("kafka-acls.sh");
    Files.writeString(recorder, "#!/usr/bin/env bash\nprintf '%s\\t' \"$@\" >> " + calls + "\necho >> " + calls + "\n");
    recorder.toFile().setExecutable(true);
    ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString()).redirectErrorStream(true);
    pb.environment().putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", "broker:9093", "KAFKA_ADMIN_CONFIG", "/etc/admin.properties",
        "KAFKA_TOPIC_PREFIX", "prod.", "KAFKA_ACLS_CMD", recorder.toString(),
        "METRICS_SERVICE_PRINCIPAL", "User:CN=metrics-service,O=acme", "SESSION_CONSUMER_GROUP", "sessions-blue"));
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();

    List<String> lines = Files.readAllLines(calls);
    assertThat(lines).hasSize(ServiceAcls.all().size());
    for (int i = 0; i < lines.size(); i++) {
      List<String> args = Arrays.asList(lines.get(i).split("\t"));
      ServiceAcls.Rule rule = ServiceAcls.all().get(i);
      assertThat(args).containsSubsequence("--bootstrap-server", "broker:9093")
          .containsSubsequence("--command-config", "/etc/admin.properties").contains("--add")
          .containsSubsequence("--resource-pattern-type", "literal");
      String principal = rule.service().equals("metrics-service") ? "User:CN=metrics-service,O=acme"
          : "User:" + rule.service();
      assertThat(args).containsSubsequence("--allow-principal", principal);
      // SESSION_CONSUMER_GROUP renames the owners' group, not the call feed's
      String name = rule.type() == ServiceAcls.ResourceType.GROUP
          && rule.name().equals(ServiceAcls.PREFIX + "session-service") ? "sessions-blue" : rule.resolvedName("prod.");
      assertThat(args).containsSubsequence("--" + rule.type().name().toLowerCase(java.util.Locale.ROOT), name);
      Set<String> operations = new LinkedHashSet<>();
      for (int a = 0; a < args.size() - 1; a++) {
        if (args.get(a).equals("--operation")) {
          operations.add(args.get(a + 1));
        }
      }
      assertThat(operations).isEqualTo(rule.operations());
    }
  }

  @Test
  void withoutABootstrapAddressItRefusesToRun() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "--dry-run").redirectErrorStream(true);
    pb.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    assertThat(new String(p.getInputStream().readAllBytes())).contains("KAFKA_BOOTSTRAP_SERVERS");
  }
}
