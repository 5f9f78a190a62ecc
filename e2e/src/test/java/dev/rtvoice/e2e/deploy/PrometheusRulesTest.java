package dev.rtvoice.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/prometheus: the eight rules in PromQL pass {@code promtool check rules} and their unit
 * tests ({@code promtool test rules}: each rule firing and not firing), those tests fail when a rule
 * is wrong, the rules are alerting-service's eight with the same labels, and the compose
 * configuration that loads them passes {@code promtool check config}.
 */
class PrometheusRulesTest {

  @Test
  void rulesPassPromtoolCheck() {
    Commands.Result r = Commands.run(OperatorFiles.RULES.getParent(), "promtool", "check", "rules",
        OperatorFiles.RULES.toString());
    assertThat(r.ok()).as(r.output()).isTrue();
    assertThat(r.output()).contains("SUCCESS: 8 rules found");
  }

  @Test
  void everyRuleFiresAndStaysQuietInItsUnitTests() {
    Commands.Result r = Commands.run(OperatorFiles.RULES.getParent(), "promtool", "test", "rules",
        OperatorFiles.RULE_TESTS.toString());
    assertThat(r.ok()).as(r.output()).isTrue();
    Map<String, Object> tests = OperatorFiles.yaml(OperatorFiles.RULE_TESTS);
    String all = tests.get("tests").toString();
    for (String rule : OperatorFiles.prometheusRules().keySet()) {
      assertThat(all).as("unit tests of %s", rule).contains(rule + " fires").contains(rule + " stays quiet");
    }
  }

  @Test
  void theUnitTestsFailWhenARuleIsWrong(@TempDir Path dir) throws IOException {
    // a threshold ten times too high: the firing tests of that rule must catch it
    String wrong = OperatorFiles.read(OperatorFiles.RULES).replace("[10m])) > 0.05", "[10m])) > 0.5");
    assertThat(wrong).isNotEqualTo(OperatorFiles.read(OperatorFiles.RULES));
    Files.writeString(dir.resolve("rtvoice-alerts.yml"), wrong);
    Files.copy(OperatorFiles.RULE_TESTS, dir.resolve("rtvoice-alerts.test.yml"));
    Commands.Result r = Commands.run(dir, "promtool", "test", "rules", "rtvoice-alerts.test.yml");
    assertThat(r.ok()).as(r.output()).isFalse();
    assertThat(r.output()).contains("InterruptRecoveryFailRateHigh fires");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theRulesAreAlertingServicesEightWithTheSameLabels() {
    Map<String, Map<String, Object>> prometheus = OperatorFiles.prometheusRules();
    Map<String, Map<String, Object>> shipped = OperatorFiles.defaultRules();
    assertThat(prometheus.keySet()).containsExactlyInAnyOrderElementsOf(shipped.keySet()).hasSize(8);
    shipped.forEach((name, rule) -> {
      Map<String, Object> labels = (Map<String, Object>) prometheus.get(name).get("labels");
      assertThat(labels).as("labels of %s", name).isEqualTo(rule.get("labels"));
      assertThat(prometheus.get(name).get("for")).as("for of %s", name).isEqualTo(rule.get("for"));
      assertThat((Map<String, Object>) prometheus.get(name).get("annotations")).as("annotations of %s", name)
          .containsKeys("summary", "description", "runbook");
    });
  }

  @Test
  void theComposePrometheusConfigurationLoadsTheRules() {
    Commands.Result r = Commands.run(OperatorFiles.PROMETHEUS.getParent(), "promtool", "check", "config",
        OperatorFiles.PROMETHEUS.toString());
    assertThat(r.ok()).as(r.output()).isTrue();
    assertThat(r.output()).contains("SUCCESS: 1 rule files found").contains("SUCCESS: 8 rules found");
  }

  @Test
  void everyDashboardQueryIsValidPromQl(@TempDir Path dir) throws IOException {
    // promtool has no query parser of its own: each query becomes a recording rule it must parse
    List<Map.Entry<String, String>> queries = OperatorFiles.dashboardQueries();
    assertThat(queries).hasSizeGreaterThan(20);
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (int i = 0; i < queries.size(); i++) {
      rules.append("      - record: dashboard:query_").append(i).append("\n        expr: '")
          .append(queries.get(i).getValue().replace("'", "''")).append("'\n");
    }
    Path file = dir.resolve("dashboard-queries.yml");
    Files.writeString(file, rules);
    Commands.Result r = Commands.run(dir, "promtool", "check", "rules", file.toString());
    assertThat(r.ok()).as(r.output()).isTrue();
  }
}
