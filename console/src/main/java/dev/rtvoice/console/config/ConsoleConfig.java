package dev.rtvoice.console.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.Topics;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of the console.
 *
 * @param host {@code HTTP_HOST}, default {@code 0.0.0.0}
 * @param port {@code CONSOLE_PORT}, default 8080 (0 picks a free port)
 * @param services where {@code /api/{name}/**} goes: {@code TOKEN_SERVICE_URL} (default
 *     http://localhost:8081), {@code SESSION_SERVICE_URL} (8082), {@code METRICS_SERVICE_URL} (8083),
 *     {@code ALERTING_SERVICE_URL} (8084)
 * @param operatorToken {@code OPERATOR_TOKEN} (or {@code _FILE}): session-service's operator token, added
 *     server-side to the console's reads so that the browser never holds it
 * @param proxyTimeout {@code CONSOLE_PROXY_TIMEOUT}, default 15s: how long a proxied call may take
 * @param refreshMs {@code CONSOLE_REFRESH_MS}, default 2000: how often the page refreshes itself
 * @param kafka the common {@code KAFKA_*} settings: the counters are read from every metrics-service
 *     instance's windows on {@code realtime.metrics.windows}
 * @param topics topic names ({@code KAFKA_TOPIC_PREFIX})
 */
public record ConsoleConfig(
    String host,
    int port,
    Map<String, ServiceTarget> services,
    Optional<String> operatorToken,
    Duration proxyTimeout,
    int refreshMs,
    KafkaSettings kafka,
    Topics topics) {

  public static final String SERVICE_NAME = "console";

  public static ConsoleConfig fromEnv(Env env) {
    Map<String, ServiceTarget> services = new LinkedHashMap<>();
    services.put("token", target(env, "TOKEN_SERVICE_URL", "http://localhost:8081"));
    services.put("session", target(env, "SESSION_SERVICE_URL", "http://localhost:8082"));
    services.put("metrics", target(env, "METRICS_SERVICE_URL", "http://localhost:8083"));
    services.put("alerting", target(env, "ALERTING_SERVICE_URL", "http://localhost:8084"));
    Duration timeout = env.duration("CONSOLE_PROXY_TIMEOUT", Duration.ofSeconds(15));
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new ConfigException("CONSOLE_PROXY_TIMEOUT must be between 1ms and 5m, got " + timeout);
    }
    return new ConsoleConfig(
        env.string("HTTP_HOST", "0.0.0.0"),
        env.intInRange("CONSOLE_PORT", 8080, 0, 65535),
        Map.copyOf(services),
        env.secret("OPERATOR_TOKEN"),
        timeout,
        env.intInRange("CONSOLE_REFRESH_MS", 2000, 250, 60_000),
        KafkaSettings.fromEnv(env, SERVICE_NAME),
        Topics.fromEnv(env));
  }

  static ServiceTarget target(Env env, String variable, String defaultUrl) {
    String raw = env.string(variable, defaultUrl).trim();
    URI uri;
    try {
      uri = new URI(raw);
    } catch (Exception e) {
      throw new ConfigException(variable + " is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new ConfigException(variable + " must be an http:// or https:// URL, got " + raw);
    }
    if (uri.getHost() == null) {
      throw new ConfigException(variable + " must name a host, got " + raw);
    }
    if (uri.getQuery() != null || uri.getFragment() != null || uri.getUserInfo() != null) {
      throw new ConfigException(variable + " must be a base URL without credentials, query or fragment");
    }
    boolean tls = "https".equals(scheme);
    int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return new ServiceTarget(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw, uri.getHost(), port, tls,
        path);
  }

  /** One service behind the proxy. */
  public record ServiceTarget(String url, String host, int port, boolean tls, String basePath) {}

  @Override
  public String toString() {
    // never the operator token
    return "ConsoleConfig[host=" + host + ", port=" + port + ", services=" + services + ", operatorToken="
        + (operatorToken.isPresent() ? "set" : "unset") + ", proxyTimeout=" + proxyTimeout + ", refreshMs="
        + refreshMs + ", kafka=" + kafka.bootstrapServers() + "]";
  }
}
