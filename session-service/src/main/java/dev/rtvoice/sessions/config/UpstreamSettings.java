package dev.rtvoice.sessions.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the sideband connects and with which key. The key is held here only; {@link #toString()}
 * never shows it, and nothing else prints it.
 *
 * @param baseUrl {@code UPSTREAM_BASE_URL}, default https://api.openai.com
 * @param apiKey {@code OPENAI_API_KEY} (or {@code OPENAI_API_KEY_FILE}); without it the sideband is off
 * @param backoffMin {@code SIDEBAND_BACKOFF_MIN}, default 200ms: first reconnect delay
 * @param backoffMax {@code SIDEBAND_BACKOFF_MAX}, default 10s: longest reconnect delay
 * @param maxConnections {@code SIDEBAND_MAX_CONNECTIONS}, default 10000: open sideband sockets per instance
 */
public record UpstreamSettings(URI baseUrl, Optional<String> apiKey, Duration backoffMin, Duration backoffMax,
                               int maxConnections) {
  public static final String DEFAULT_BASE_URL = "https://api.openai.com";

  public static UpstreamSettings fromEnv(Env env) {
    String base = env.string("UPSTREAM_BASE_URL", DEFAULT_BASE_URL);
    URI uri;
    try {
      uri = new URI(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    } catch (URISyntaxException e) {
      throw new ConfigException("UPSTREAM_BASE_URL is not a URL: '" + base + "'");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new ConfigException("UPSTREAM_BASE_URL must be an http(s) URL such as https://api.openai.com, got '"
          + base + "'");
    }
    Duration min = env.duration("SIDEBAND_BACKOFF_MIN", Duration.ofMillis(200));
    Duration max = env.duration("SIDEBAND_BACKOFF_MAX", Duration.ofSeconds(10));
    if (min.isZero() || max.compareTo(min) < 0) {
      throw new ConfigException("SIDEBAND_BACKOFF_MIN must be positive and at most SIDEBAND_BACKOFF_MAX");
    }
    return new UpstreamSettings(uri, env.secret("OPENAI_API_KEY"), min, max,
        env.intInRange("SIDEBAND_MAX_CONNECTIONS", 10_000, 1, 1_000_000));
  }

  public boolean sidebandEnabled() {
    return apiKey.isPresent();
  }

  /** {@code ws(s)://host[:port][/base path]/v1/realtime?call_id=...}. */
  public String sidebandUrl(String callId) {
    String scheme = "https".equals(baseUrl.getScheme()) ? "wss" : "ws";
    String port = baseUrl.getPort() < 0 ? "" : ":" + baseUrl.getPort();
    String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
    return scheme + "://" + baseUrl.getHost() + port + path + "/v1/realtime?call_id="
        + URLEncoder.encode(callId, StandardCharsets.UTF_8);
  }

  /** {@code http(s)://host[:port][/base path]/v1/realtime/calls/{call_id}/hangup}, the id path-encoded. */
  public String hangupUrl(String callId) {
    String port = baseUrl.getPort() < 0 ? "" : ":" + baseUrl.getPort();
    String path = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
    // URLEncoder writes a space as '+', which a path would keep: call ids have none (validated), but be exact
    String id = URLEncoder.encode(callId, StandardCharsets.UTF_8).replace("+", "%20");
    return baseUrl.getScheme() + "://" + baseUrl.getHost() + port + path + "/v1/realtime/calls/" + id + "/hangup";
  }

  @Override
  public String toString() {
    return "UpstreamSettings[baseUrl=" + baseUrl + ", apiKey=" + (apiKey.isPresent() ? "(set)" : "(none)")
        + ", backoffMin=" + backoffMin + ", backoffMax=" + backoffMax + ", maxConnections=" + maxConnections + "]";
  }
}
