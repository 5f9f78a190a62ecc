package dev.rtvoice.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The operator's ACL file is the code's table: regenerate it with -Dacls.write=true when the table changes. */
class ShippedAclsTest {
  private static final Path SHIPPED = Path.of("..", "deploy", "kafka-acls", "acls.conf");

  @Test
  void theShippedFileIsTheTable() throws Exception {
    if (Boolean.getBoolean("acls.write")) {
      Files.writeString(SHIPPED, ServiceAcls.render());
    }
    assertThat(Files.readString(SHIPPED)).as("deploy/kafka-acls/acls.conf is stale: run ShippedAclsTest with "
        + "-Dacls.write=true").isEqualTo(ServiceAcls.render());
    assertThat(ServiceAcls.parse(Files.readString(SHIPPED))).isEqualTo(ServiceAcls.all());
  }

  @Test
  void everyServiceOnlyGetsLiteralGrantsOnItsOwnResources() {
    assertThat(ServiceAcls.services()).containsExactly("token-service", "session-service", "metrics-service",
        "alerting-service", "console");
    for (ServiceAcls.Rule rule : ServiceAcls.all()) {
      assertThat(rule.name()).doesNotContain("*");
      assertThat(rule.operations()).isSubsetOf("Create", "Describe", "Read", "Write");
      if (rule.name().endsWith(Topics.DLQ_SUFFIX)) {
        // a dead-letter topic is written, never read, by the services
        assertThat(rule.operations()).doesNotContain("Read");
      }
    }
  }
}
