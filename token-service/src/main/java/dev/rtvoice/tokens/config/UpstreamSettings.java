package dev.rtvoice.tokens.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.net.URI;
import java.time.Duration;

/**
 * How token-service talks to OpenAI (or upstream-sim).
 *
 * @param baseUrl {@code UPSTREAM_BASE_URL}, default https://api.openai.com
 * @param apiKey {@code OPENAI_API_KEY} or {@code OPENAI_API_KEY_FILE}, required
 * @param connectTimeout {@code UPSTREAM_CONNECT_TIMEOUT}, default 2s: TCP (and TLS) connect
 * @param requestTimeout {@code UPSTREAM_REQUEST_TIMEOUT}, default 5s: one attempt, connect to last byte
 * @param totalTimeout {@code UPSTREAM_TOTAL_TIMEOUT}, default 10s: all attempts of one issuance; also
 *     caps a rotation, whose retries are otherwise bounded by the time its current secret has left
 * @param maxConnections {@code UPSTREAM_MAX_CONNECTIONS}, default 64: connection pool per event loop
 * @param retryBase {@code UPSTREAM_RETRY_BASE}, default 100ms: first backoff step
 * @param retryMaxDelay {@code UPSTREAM_RETRY_MAX_DELAY}, default 2s: largest backoff step
 * @param maxAttempts {@code UPSTREAM_MAX_ATTEMPTS}, default 4: attempts per issuance or rotation
 * @param breakerFailures {@code UPSTREAM_BREAKER_FAILURES}, default 5: failures within the window that open it
 * @param breakerWindow {@code UPSTREAM_BREAKER_WINDOW}, default 10s
 * @param breakerReset {@code UPSTREAM_BREAKER_RESET}, default 15s: open time before one probe call
 */
public record UpstreamSettings(
    URI baseUrl,
    Secret apiKey,
    Duration connectTimeout,
    Duration requestTimeout,
    Duration totalTimeout,
    int maxConnections,
    Duration retryBase,
    Duration retryMaxDelay,
    int maxAttempts,
    int breakerFailures,
    Duration breakerWindow,
    Duration breakerReset) {

  public static final String DEFAULT_BASE_URL = "https://api.openai.com";

  public static UpstreamSettings fromEnv(Env env) {
    String base = env.string("UPSTREAM_BASE_URL", DEFAULT_BASE_URL);
    URI uri;
    try {
      uri = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("UPSTREAM_BASE_URL is not a URL: '" + base + "'");
    }
    if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new ConfigException("UPSTREAM_BASE_URL must be an http(s) URL such as https://api.openai.com, got '"
          + base + "'");
    }
    String key = env.secret("OPENAI_API_KEY").orElseThrow(() -> new ConfigException(
        "OPENAI_API_KEY (or OPENAI_API_KEY_FILE) is required: the server-side key used to mint client secrets"));
    Duration connect = positive(env, "UPSTREAM_CONNECT_TIMEOUT", Duration.ofSeconds(2));
    Duration request = positive(env, "UPSTREAM_REQUEST_TIMEOUT", Duration.ofSeconds(5));
    Duration total = positive(env, "UPSTREAM_TOTAL_TIMEOUT", Duration.ofSeconds(10));
    if (total.compareTo(request) < 0) {
      throw new ConfigException("UPSTREAM_TOTAL_TIMEOUT (" + total.toMillis() + " ms) must be at least "
          + "UPSTREAM_REQUEST_TIMEOUT (" + request.toMillis() + " ms)");
    }
    return new UpstreamSettings(
        uri,
        new Secret(key),
        connect,
        request,
        total,
        env.intInRange("UPSTREAM_MAX_CONNECTIONS", 64, 1, 10_000),
        positive(env, "UPSTREAM_RETRY_BASE", Duration.ofMillis(100)),
        positive(env, "UPSTREAM_RETRY_MAX_DELAY", Duration.ofSeconds(2)),
        env.intInRange("UPSTREAM_MAX_ATTEMPTS", 4, 1, 20),
        env.intInRange("UPSTREAM_BREAKER_FAILURES", 5, 1, 10_000),
        positive(env, "UPSTREAM_BREAKER_WINDOW", Duration.ofSeconds(10)),
        positive(env, "UPSTREAM_BREAKER_RESET", Duration.ofSeconds(15)));
  }

  /** The client secrets endpoint (OpenAI GA: {@code POST /v1/realtime/client_secrets}). */
  public String clientSecretsUrl() {
    return baseUrl + "/v1/realtime/client_secrets";
  }

  static Duration positive(Env env, String name, Duration defaultValue) {
    Duration d = env.duration(name, defaultValue);
    if (d.isZero() || d.isNegative()) {
      throw new ConfigException(name + " must be greater than zero");
    }
    return d;
  }
}
