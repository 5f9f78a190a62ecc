package dev.rtvoice.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml's operator kit (.ci/run checks the file's syntax with {@code docker-compose
 * config}): Prometheus scrapes each service where compose runs it, every file mounted into
 * Prometheus, Alertmanager and Grafana exists, and Grafana's provisioning finds the dashboard and
 * the datasource the dashboard names.
 */
class ComposeKitTest {
  @SuppressWarnings("unchecked")
  static final Map<String, Object> SERVICES =
      (Map<String, Object>) OperatorFiles.yaml(OperatorFiles.ROOT.resolve("docker-compose.yml")).get("services");

  @Test
  @SuppressWarnings("unchecked")
  void prometheusScrapesTheFourServicesOnTheirComposePorts() {
    Map<String, String> targets = new LinkedHashMap<>();
    for (Map<String, Object> job : (List<Map<String, Object>>) OperatorFiles.yaml(OperatorFiles.PROMETHEUS)
        .get("scrape_configs")) {
      Map<String, Object> statics = ((List<Map<String, Object>>) job.get("static_configs")).get(0);
      targets.put((String) job.get("job_name"), ((List<String>) statics.get("targets")).get(0));
    }
    assertThat(targets.keySet()).containsExactly("token-service", "session-service", "metrics-service",
        "alerting-service");
    targets.forEach((service, target) -> {
      Map<String, Object> env = (Map<String, Object>) ((Map<String, Object>) SERVICES.get(service)).get("environment");
      assertThat(target).as("scrape target of %s", service).isEqualTo(service + ":" + env.get("HTTP_PORT"));
    });
    assertThat(OperatorFiles.read(OperatorFiles.PROMETHEUS)).contains("alertmanager:9093");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyFileTheKitMountsExists() {
    for (String service : List.of("prometheus", "alertmanager", "grafana")) {
      Map<String, Object> definition = (Map<String, Object>) SERVICES.get(service);
      assertThat(definition).as(service).isNotNull();
      List<String> volumes = (List<String>) definition.get("volumes");
      assertThat(volumes).as("%s mounts", service).isNotEmpty();
      volumes.stream().filter(v -> v.startsWith("./")).forEach(v -> assertThat(
          Files.exists(OperatorFiles.ROOT.resolve(v.substring(2, v.indexOf(':'))))).as(v).isTrue());
      assertThat(definition.get("healthcheck")).as("%s healthcheck", service).isNotNull();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanaProvisionsTheDatasourceAndTheDashboard() {
    var root = OperatorFiles.ROOT.resolve("deploy/grafana/provisioning");
    Map<String, Object> datasource = ((List<Map<String, Object>>) OperatorFiles.yaml(
        root.resolve("datasources/prometheus.yml")).get("datasources")).get(0);
    assertThat(datasource).containsEntry("type", "prometheus").containsEntry("url", "http://prometheus:9090");
    Map<String, Object> provider = ((List<Map<String, Object>>) OperatorFiles.yaml(
        root.resolve("dashboards/rtvoice.yml")).get("providers")).get(0);
    String path = (String) ((Map<String, Object>) provider.get("options")).get("path");
    List<String> grafanaVolumes = (List<String>) ((Map<String, Object>) SERVICES.get("grafana")).get("volumes");
    assertThat(grafanaVolumes).contains("./deploy/grafana/dashboards:" + path + ":ro");

    JsonObject dashboard = new JsonObject(OperatorFiles.read(OperatorFiles.DASHBOARD));
    JsonObject variable = dashboard.getJsonObject("templating").getJsonArray("list").getJsonObject(0);
    assertThat(variable.getString("type")).isEqualTo("datasource");
    assertThat(variable.getJsonObject("current").getString("value")).isEqualTo(datasource.get("uid"));
    assertThat(dashboard.getString("uid")).isNotBlank();
    // every panel with queries reads the datasource variable, never a hard-coded one
    assertThat(OperatorFiles.read(OperatorFiles.DASHBOARD)).doesNotContain("\"uid\": \"prometheus\"");
  }
}
