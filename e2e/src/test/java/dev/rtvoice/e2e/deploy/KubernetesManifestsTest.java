package dev.rtvoice.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.e2e.harness.Suite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/kubernetes as CI sees it without a cluster: every overlay rendered with {@code kubectl
 * kustomize}, then checked for what the API server or a kubelet would reject ({@link ManifestChecks})
 * and fed to the services' own configuration classes, as a pod would start them.
 */
class KubernetesManifestsTest {
  static final Path ROOT = Suite.root();
  static final Path OVERLAYS = ROOT.resolve("deploy/kubernetes/overlays");
  static Map<String, Integer> defaultPorts;

  @BeforeAll
  static void ports() {
    defaultPorts = ServiceConfigs.defaultPorts();
    // the defaults the manifests are written for (and the README's table)
    assertThat(defaultPorts).containsExactlyInAnyOrderEntriesOf(Map.of("token-service", 8081, "session-service", 8082,
        "metrics-service", 8083, "alerting-service", 8084, "console", 8080));
  }

  static Stream<Path> overlays() throws IOException {
    try (Stream<Path> dirs = Files.list(OVERLAYS)) {
      List<Path> all = dirs.filter(d -> Files.exists(d.resolve("kustomization.yaml"))).sorted().toList();
      assertThat(all).as("overlays under %s", OVERLAYS).isNotEmpty();
      return all.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlays")
  void everyOverlayRendersWithNothingAKubeletWouldReject(Path overlay) {
    Manifests manifests = Manifests.render(ROOT, overlay);
    assertThat(manifests.ofKind("Deployment")).extracting(Manifests::name).containsAll(defaultPorts.keySet());
    assertThat(ManifestChecks.problems(manifests, defaultPorts)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlays")
  void everyServiceStartsWithTheConfigurationItsPodGets(Path overlay, @TempDir Path secrets) {
    Manifests manifests = Manifests.render(ROOT, overlay);
    for (var service : ServiceConfigs.PORT_OF.entrySet()) {
      Env env = ServiceConfigs.podEnv(manifests, service.getKey(), secrets.resolve(service.getKey()));
      // throws the service's own start-up message (naming the variable) if a value would stop it
      int port = service.getValue().apply(env);
      assertThat(port).as("%s listens where its containerPort, probes and Service point", service.getKey())
          .isEqualTo(defaultPorts.get(service.getKey()));
    }
  }

  @Test
  void theBaseDeclaresEveryConcernOfAProductionDeployment() {
    Manifests base = Manifests.render(ROOT, ROOT.resolve("deploy/kubernetes/base"));
    List<String> problems = ManifestChecks.problems(base, defaultPorts);
    // the base leaves the Secrets to the overlay (or the cluster's secret manager): only those are missing
    assertThat(problems).allSatisfy(p -> assertThat(p).containsPattern(
        "Secret rtvoice-(session-handle|openai|operator) does not exist"));
    assertThat(problems).anySatisfy(p -> assertThat(p).contains("rtvoice-session-handle"));
    assertThat(base.ofKind("Deployment")).allSatisfy(d -> assertThat(Manifests.map(d, "spec").get("replicas"))
        .as("production replicas of %s", Manifests.name(d)).isEqualTo(2));
    assertThat(base.ofKind("PodDisruptionBudget")).hasSize(defaultPorts.size());
  }

  // ---- the checks themselves catch what they claim to ----

  @Test
  void aProbeOnTheWrongPathOrPortIsCaught() {
    String yaml = localRender()
        .replaceFirst("path: /health/ready", "path: /ready")
        .replaceFirst("containerPort: 8083", "containerPort: 9083");
    assertThat(ManifestChecks.problems(Manifests.parse(yaml), defaultPorts))
        .anySatisfy(p -> assertThat(p).contains("readinessProbe must GET /health/ready, has /ready"))
        .anySatisfy(p -> assertThat(p).contains("metrics-service").contains("not the port the service listens on (8083)"));
  }

  @Test
  void aMissingSecretKeyAndAMissingResourceLimitAreCaught() {
    String yaml = localRender()
        .replaceFirst("(?m)^  api-key: .*$", "  other-key: c2stc2ltLWxvY2FsLWRldg==")
        .replaceFirst("(?s)(limits:\\s+cpu: \"?[0-9m]+\"?\\s+)memory: \\S+", "$1");
    assertThat(ManifestChecks.problems(Manifests.parse(yaml), defaultPorts))
        .anySatisfy(p -> assertThat(p).contains("OPENAI_API_KEY_FILE").contains("has no key api-key"))
        .anySatisfy(p -> assertThat(p).contains("memory request and limit are both required"));
  }

  @Test
  void aRootContainerAndASelectorMatchingNothingAreCaught() {
    String yaml = localRender()
        .replaceFirst("runAsUser: 10001", "runAsUser: 0")
        .replaceFirst("(?s)(kind: Service\\s+metadata:.*?selector:\\s+app.kubernetes.io/name: )(\\S+)", "$1nobody");
    assertThat(ManifestChecks.problems(Manifests.parse(yaml), defaultPorts))
        .anySatisfy(p -> assertThat(p).contains("runAsUser must be a non-zero uid"))
        .anySatisfy(p -> assertThat(p).contains("matches no pods"));
  }

  private static String localRender() {
    Commands.Result r = Commands.run(ROOT, "kubectl", "kustomize", OVERLAYS.resolve("local").toString());
    assertThat(r.ok()).as(r.output()).isTrue();
    return r.output();
  }
}
