package dev.rtvoice.metrics.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.metrics.domain.TurnAssembler;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turn traces over OTLP/HTTP (protobuf), from the standard OpenTelemetry variables: on only when
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} (used as is) or {@code OTEL_EXPORTER_OTLP_ENDPOINT}
 * (plus {@code /v1/traces}) is set and {@code OTEL_SDK_DISABLED} is not true.
 *
 * @param endpoint the full URL spans are posted to
 * @param headers {@code OTEL_EXPORTER_OTLP_HEADERS} ({@code k=v,k2=v2})
 * @param serviceName {@code OTEL_SERVICE_NAME}, default {@code rtvoice}
 * @param timeout {@code OTEL_EXPORTER_OTLP_TIMEOUT} (ms), default 10 s
 */
public record TraceSettings(URI endpoint, Map<String, String> headers, String serviceName, Duration timeout,
                            TurnAssembler.Limits limits) {

  public static Optional<TraceSettings> fromEnv(Env env) {
    if (env.bool("OTEL_SDK_DISABLED", false)) {
      return Optional.empty();
    }
    Optional<String> endpoint = env.optional("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .or(() -> env.optional("OTEL_EXPORTER_OTLP_ENDPOINT")
            .map(base -> (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/traces"));
    if (endpoint.isEmpty()) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = URI.create(endpoint.get());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("OTEL_EXPORTER_OTLP_ENDPOINT is not a URL: " + e.getMessage());
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new ConfigException("OTEL_EXPORTER_OTLP_ENDPOINT must be an http or https URL, got " + endpoint.get());
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String pair : env.list("OTEL_EXPORTER_OTLP_HEADERS", java.util.List.of())) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("OTEL_EXPORTER_OTLP_HEADERS: expected key=value, got '" + pair + "'");
      }
      headers.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    TurnAssembler.Limits defaults = TurnAssembler.Limits.defaults();
    TurnAssembler.Limits limits = new TurnAssembler.Limits(
        env.intInRange("TRACE_MAX_TURNS", defaults.maxTurns(), 1, 1_000_000),
        env.longInRange("TRACE_MAX_BYTES", defaults.maxBytes(), 1024, 1L << 30),
        env.intInRange("TRACE_SESSION_MAX_TURNS", defaults.sessionMaxTurns(), 1, 100),
        env.longInRange("TRACE_SESSION_MAX_BYTES", defaults.sessionMaxBytes(), 1024, 1L << 20),
        defaults.turnMaxEvents(),
        env.duration("TRACE_QUIET_TIMEOUT", Duration.ofMillis(defaults.quietMs())).toMillis());
    return Optional.of(new TraceSettings(uri, Map.copyOf(headers), env.string("OTEL_SERVICE_NAME", "rtvoice"),
        Duration.ofMillis(env.longInRange("OTEL_EXPORTER_OTLP_TIMEOUT", 10_000, 1, 600_000)), limits));
  }
}
