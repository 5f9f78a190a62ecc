package dev.rtvoice.metrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceSettingsTest {

  @Test
  void offWithoutAnEndpointOrWhenTheSdkIsDisabled() {
    assertThat(TraceSettings.fromEnv(new Env(Map.of()))).isEmpty();
    assertThat(TraceSettings.fromEnv(new Env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
        "OTEL_SDK_DISABLED", "true")))).isEmpty();
  }

  @Test
  void theStandardVariables() {
    TraceSettings base = TraceSettings.fromEnv(new Env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/",
        "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer x,tenant=a"))).orElseThrow();
    assertThat(base.endpoint().toString()).isEqualTo("http://collector:4318/v1/traces");
    assertThat(base.headers()).containsEntry("authorization", "Bearer x").containsEntry("tenant", "a");
    assertThat(base.serviceName()).isEqualTo("rtvoice");
    assertThat(base.limits().sessionMaxTurns()).isEqualTo(4);
    TraceSettings full = TraceSettings.fromEnv(new Env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://b/custom/traces"))).orElseThrow();
    assertThat(full.endpoint().toString()).as("the signal's own endpoint is used as is").isEqualTo("https://b/custom/traces");
    assertThatThrownBy(() -> TraceSettings.fromEnv(new Env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://x"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("OTEL_EXPORTER_OTLP_ENDPOINT");
    assertThatThrownBy(() -> TraceSettings.fromEnv(new Env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x",
        "OTEL_EXPORTER_OTLP_HEADERS", "novalue")))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_HEADERS");
  }
}
