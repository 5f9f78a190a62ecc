package dev.rtvoice.e2e.deploy;

import static dev.rtvoice.e2e.deploy.Manifests.list;
import static dev.rtvoice.e2e.deploy.Manifests.map;

import dev.rtvoice.alerting.config.AlertingServiceConfig;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.console.config.ConsoleConfig;
import dev.rtvoice.metrics.config.MetricsServiceConfig;
import dev.rtvoice.sessions.config.SessionServiceConfig;
import dev.rtvoice.tokens.config.TokenServiceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Each service's own configuration class, fed the environment a pod would get: what its
 * Deployment, ConfigMaps and Secrets say, with the Secret volumes written to files where the
 * {@code _FILE} variables point. A value the service would refuse at start fails here.
 */
final class ServiceConfigs {
  /** The port each service listens on, as its configuration class decides it. */
  static final Map<String, Function<Env, Integer>> PORT_OF = Map.of(
      "token-service", env -> TokenServiceConfig.fromEnv(env).port(),
      "session-service", env -> SessionServiceConfig.fromEnv(env).port(),
      "metrics-service", env -> MetricsServiceConfig.fromEnv(env).port(),
      "alerting-service", env -> AlertingServiceConfig.fromEnv(env).port(),
      "console", env -> ConsoleConfig.fromEnv(env).port());

  private ServiceConfigs() {}

  /** The services' default ports: their configuration classes with nothing set but what they require. */
  static Map<String, Integer> defaultPorts() {
    Env minimal = new Env(Map.of("DEV_MODE", "true", "OPENAI_API_KEY", "sk-defaults-only"));
    Map<String, Integer> ports = new LinkedHashMap<>();
    PORT_OF.forEach((service, port) -> ports.put(service, port.apply(minimal)));
    return ports;
  }

  /** The environment of a Deployment's first container, secrets materialized under {@code secretsRoot}. */
  static Env podEnv(Manifests manifests, String deployment, Path secretsRoot) {
    Map<String, Object> pod = map(manifests.find("Deployment", deployment).orElseThrow(), "spec", "template", "spec");
    Map<String, Object> container = list(pod, "containers").get(0);
    Map<String, String> env = new LinkedHashMap<>();
    for (Map<String, Object> from : list(container, "envFrom")) {
      Map<String, Object> ref = map(from, "configMapRef");
      manifests.find("ConfigMap", (String) ref.get("name"))
          .ifPresent(cm -> map(cm, "data").forEach((k, v) -> env.put(k, String.valueOf(v))));
    }
    Map<String, String> mounted = new LinkedHashMap<>();
    for (Map<String, Object> mount : list(container, "volumeMounts")) {
      Map<String, Object> volume = list(pod, "volumes").stream().filter(v -> mount.get("name").equals(v.get("name")))
          .findFirst().orElseThrow();
      String secretName = (String) map(volume, "secret").get("secretName");
      var secret = secretName == null ? java.util.Optional.<Map<String, Object>>empty()
          : manifests.find("Secret", secretName);
      if (secret.isPresent()) {
        Path dir = secretsRoot.resolve(((String) mount.get("mountPath")).substring(1));
        write(dir, map(secret.get(), "data"));
        mounted.put((String) mount.get("mountPath"), dir.toString());
      }
    }
    for (Map<String, Object> e : list(container, "env")) {
      String name = (String) e.get("name");
      if (e.get("value") != null) {
        String value = String.valueOf(e.get("value"));
        for (var m : mounted.entrySet()) {
          if (value.startsWith(m.getKey() + "/")) {
            value = m.getValue() + value.substring(m.getKey().length());
          }
        }
        env.put(name, value);
      }
      Map<String, Object> ref = map(e, "valueFrom", "secretKeyRef");
      if (!ref.isEmpty()) {
        manifests.find("Secret", (String) ref.get("name"))
            .ifPresent(s -> env.put(name, decode(map(s, "data").get(ref.get("key")))));
      }
    }
    return new Env(env);
  }

  private static void write(Path dir, Map<String, Object> data) {
    try {
      Files.createDirectories(dir);
      for (var entry : data.entrySet()) {
        Files.writeString(dir.resolve(entry.getKey()), decode(entry.getValue()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String decode(Object base64) {
    return new String(Base64.getDecoder().decode(String.valueOf(base64)), java.nio.charset.StandardCharsets.UTF_8);
  }
}
