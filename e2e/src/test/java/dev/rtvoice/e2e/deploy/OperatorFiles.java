package dev.rtvoice.e2e.deploy;

import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The operator kit's files under deploy/, read as an operator's tools read them. */
final class OperatorFiles {
  static final Path ROOT = Suite.root();
  static final Path RULES = ROOT.resolve("deploy/prometheus/rules/rtvoice-alerts.yml");
  static final Path RULE_TESTS = ROOT.resolve("deploy/prometheus/rules/rtvoice-alerts.test.yml");
  static final Path PROMETHEUS = ROOT.resolve("deploy/prometheus/prometheus.yml");
  static final Path ALERTMANAGER = ROOT.resolve("deploy/alertmanager/alertmanager.yml");
  static final Path DASHBOARD = ROOT.resolve("deploy/grafana/dashboards/rtvoice.json");
  static final Path DEFAULT_RULES = ROOT.resolve("alerting-service/src/main/resources/default-rules.yaml");

  private OperatorFiles() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(Path file) {
    return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(read(file));
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every alerting rule of the Prometheus rule file: name to the rule. */
  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> prometheusRules() {
    Map<String, Map<String, Object>> rules = new LinkedHashMap<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) yaml(RULES).get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        rules.put((String) rule.get("alert"), rule);
      }
    }
    return rules;
  }

  /** alerting-service's shipped rules: name to the rule. */
  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> defaultRules() {
    Map<String, Map<String, Object>> rules = new LinkedHashMap<>();
    for (Map<String, Object> rule : (List<Map<String, Object>>) yaml(DEFAULT_RULES).get("rules")) {
      rules.put((String) rule.get("alert"), rule);
    }
    return rules;
  }

  /** Every query of the dashboard, with the title of its panel. */
  static List<Map.Entry<String, String>> dashboardQueries() {
    List<Map.Entry<String, String>> queries = new ArrayList<>();
    collect(new JsonObject(read(DASHBOARD)).getJsonArray("panels"), queries);
    return queries;
  }

  private static void collect(JsonArray panels, List<Map.Entry<String, String>> into) {
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        into.add(Map.entry(panel.getString("title"), ((JsonObject) t).getString("expr")));
      }
      collect(panel.getJsonArray("panels", new JsonArray()), into);
    }
  }
}
