package dev.rtvoice.alerting.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.alerting.domain.rule.Comparison;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import dev.rtvoice.alerting.domain.rule.Threshold;
import dev.rtvoice.alerting.domain.rule.ValueExpr;
import dev.rtvoice.common.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules file: the shipped defaults, YAML and JSON, and errors that name the rule and field. */
class RulesLoaderTest {

  @Test
  void theEightDefaultRulesAreShippedComplete() {
    List<RuleSpec> rules = RulesLoader.load(null);
    assertThat(rules).extracting(RuleSpec::name).containsExactly("RealtimeFirstAudioP95High",
        "SessionRotationFailed", "InterruptRecoveryFailRateHigh", "IceRestartSpike", "UpstreamAuthRejected",
        "ClientAuthFailureRateHigh", "IceFailureRateHigh", "SessionRolloverFailed");
    for (RuleSpec rule : rules) {
      assertThat(rule.labels()).as(rule.name()).containsKeys("severity", "category");
      assertThat(rule.annotations()).as(rule.name()).containsKeys("summary", "description", "runbook");
      assertThat(rule.annotations().get("description").source()).as(rule.name()).contains("{{ $value");
      // the runbook follows the troubleshooting order: auth, connectivity, state machine, budget, replay policy
      String runbook = rule.annotations().get("runbook").source();
      int auth = runbook.indexOf("1. Auth");
      int connectivity = runbook.indexOf("2. Connectivity");
      int stateMachine = runbook.indexOf("3. State machine");
      int budget = runbook.indexOf("4. Budget");
      int replay = runbook.indexOf("5. Replay policy");
      assertThat(List.of(auth, connectivity, stateMachine, budget, replay)).as(rule.name()).doesNotContain(-1)
          .isSorted();
    }
    RuleSpec p95 = rules.get(0);
    assertThat(p95.expr()).isInstanceOfSatisfying(ValueExpr.Quantile.class, q -> {
      assertThat(q.q()).isEqualTo(0.95);
      assertThat(q.view().metric()).isEqualTo("latency.first_audio");
      assertThat(q.view().rangeMs()).isEqualTo(300_000);
    });
    assertThat(p95.op()).isEqualTo(Comparison.GT);
    assertThat(p95.threshold()).isEqualTo(new Threshold.Fixed(1500));
    assertThat(p95.minSamples()).isEqualTo(20);
    assertThat(p95.forDuration()).isEqualTo(Duration.ofMinutes(2));
    assertThat(rules.get(3).threshold()).isInstanceOfSatisfying(Threshold.Baseline.class, b -> {
      assertThat(b.factor()).isEqualTo(3);
      assertThat(b.scale()).isEqualTo(0.25);
      assertThat(b.view().rangeMs()).isEqualTo(3_600_000);
      assertThat(b.view().offsetMs()).isEqualTo(900_000);
    });
    assertThat(rules.get(5).describe()).isEqualTo("increase(reconnect_total{class in [session], reason in "
        + "[auth_failed, token_expired]}[15m]) / increase(sessions_started_total[15m]) > 0.02 with at least 20 samples");
    assertThat(rules.get(3).labels()).containsEntry("category", "connectivity");
    assertThat(rules.get(4).labels()).containsEntry("category", "auth");
    assertThat(rules.get(5).labels()).containsEntry("category", "auth");
    assertThat(rules.get(6).labels()).containsEntry("category", "connectivity");
    assertThat(rules.get(7).labels()).containsEntry("severity", "warning").containsEntry("category", "state_machine");
    assertThat(rules.get(7).describe())
        .isEqualTo("increase(session_rollover_total{outcome in [failed]}[10m]) > 0");
  }

  @Test
  void readsJsonToo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rules.json");
    Files.writeString(file, """
        {"rules": [{"alert": "SlowInference", "expr": {"quantile": 0.99, "stage": "inference", "range": "1m",
          "by": ["platform"], "where": {"platform": {"not": ["test"]}}},
          "threshold": 900, "op": ">=", "for": "30s", "keep_firing_for": "1m",
          "labels": {"severity": "ticket"}, "annotations": {"summary": "p99 {{ $value | ms }} on {{ $labels.platform }}"}}]}
        """);
    RuleSpec rule = RulesLoader.load(file).get(0);
    assertThat(rule.op()).isEqualTo(Comparison.GE);
    assertThat(rule.keepFiringFor()).isEqualTo(Duration.ofMinutes(1));
    assertThat(rule.expr().by()).containsExactly("platform");
    assertThat(rule.describe()).isEqualTo("quantile(0.99, latency.inference{platform not in [test]}[1m]) "
        + "by (platform) >= 900");
  }

  @Test
  void everyProblemIsReportedWithItsRuleAndField() {
    String yaml = """
        rules:
          - alert: A
            expr: {quantile: 1.5, stage: first_audio, range: 5 minutes}
            threshold: high
            labels: {team: sre}
            annotations: {summary: "{{ $valeu }}"}
          - alert: B
            expr: {increase: ice_restart_total, range: 15m}
            threshold: {baseline: 1h}
            for: -1m
            labels: {severity: page, alertname: X}
            annotations: {summary: ok}
            severity: page
          - alert: A
            expr: {ratio: {numerator: {increase: a}}, range: 5m}
            threshold: 1
            labels: {severity: page}
            annotations: {summary: ok}
          - expr: {increase: latency.first_audio, range: 5m}
        """;
    assertThatThrownBy(() -> RulesLoader.parse(yaml, "rules.yaml", false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rules file rules.yaml has")
        .hasMessageContaining("rule 'A' (rules[0]): expr.quantile: must be between 0 and 1")
        .hasMessageContaining("rule 'A' (rules[0]): expr.range: must be a duration such as 1500ms, 30s, 5m or 1h, got "
            + "'5 minutes'")
        .hasMessageContaining("rule 'A' (rules[0]): threshold: must be a number, got 'high'")
        .hasMessageContaining("rule 'A' (rules[0]): labels.severity: is required")
        .hasMessageContaining("rule 'A' (rules[0]): annotations.summary: unknown placeholder {{ $valeu }}")
        .hasMessageContaining("rule 'B' (rules[1]): threshold.factor: is required: a number")
        .hasMessageContaining("rule 'B' (rules[1]): for: must be a duration")
        .hasMessageContaining("rule 'B' (rules[1]): labels.alertname: is set from 'alert'")
        .hasMessageContaining("rule 'B' (rules[1]): severity: unknown field")
        .hasMessageContaining("rule 'A' (rules[2]): alert: the name is used by another rule")
        .hasMessageContaining("rule 'A' (rules[2]): expr.ratio.denominator: must be a mapping")
        .hasMessageContaining("rules[3]: alert: is required")
        .hasMessageContaining("rules[3]: threshold: is required");
  }

  @Test
  void aMetricCannotBeReadAsLatencyAndAsCounter() {
    String yaml = """
        rules:
          - alert: A
            expr: {quantile: 0.5, metric: latency.x, range: 5m}
            threshold: 1
            labels: {severity: page}
            annotations: {summary: a}
          - alert: B
            expr: {increase: latency.x, range: 5m}
            threshold: 1
            labels: {severity: page}
            annotations: {summary: b}
        """;
    assertThatThrownBy(() -> RulesLoader.parse(yaml, "r", false))
        .hasMessageContaining("rule 'B' (rules[1]): expr: latency.x is read as counter here but as latency");
  }

  @Test
  void malformedFilesAreRefusedWithTheParserMessage(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> RulesLoader.parse("rules:\n  - alert: A\n    alert: B\n", "dup.yaml", false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("dup.yaml is not valid YAML")
        .hasMessageContaining("duplicate key alert");
    assertThatThrownBy(() -> RulesLoader.parse("{\"rules\": [", "bad.json", true))
        .isInstanceOf(ConfigException.class).hasMessageContaining("bad.json is not valid JSON");
    assertThatThrownBy(() -> RulesLoader.parse("- just a list", "list.yaml", false))
        .hasMessageContaining("the file must be a mapping with a 'rules' list");
    assertThatThrownBy(() -> RulesLoader.load(dir.resolve("missing.yaml")))
        .hasMessageContaining("ALERT_RULES_FILE").hasMessageContaining("cannot be read");
  }
}
