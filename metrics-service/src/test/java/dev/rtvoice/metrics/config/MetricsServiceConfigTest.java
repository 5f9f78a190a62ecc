package dev.rtvoice.metrics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.metrics.domain.BudgetRange;
import dev.rtvoice.metrics.domain.CounterCatalog;
import dev.rtvoice.metrics.domain.Stage;
import dev.rtvoice.metrics.domain.ViewWindow;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsServiceConfigTest {
  private static MetricsServiceConfig config(Map<String, String> env) {
    return MetricsServiceConfig.fromEnv(new Env(env));
  }

  @Test
  void defaultsAreTheIssuesDefaults() {
    MetricsServiceConfig c = config(Map.of());
    assertThat(c.port()).isEqualTo(8083);
    assertThat(c.devMode()).isFalse();
    assertThat(c.windows().bucket()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.windows().allowedLateness()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.windows().horizon()).as("the longest view plus the lateness")
        .isEqualTo(Duration.ofHours(1).plusSeconds(30));
    assertThat(c.windows().immediateCounters())
        .containsExactlyInAnyOrder(CounterCatalog.ROTATE_FAIL, CounterCatalog.UPSTREAM_AUTH_REJECTED,
            CounterCatalog.ROLLOVERS);
    assertThat(c.windows().platformLimit()).isEqualTo(16);
    assertThat(c.paneInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.ingest()).isEqualTo(MetricsServiceConfig.Ingest.KAFKA);
    assertThat(c.telemetryDeadline()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.outageGrace()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.outageCreditMax()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.dedupeBatchKeys()).isEqualTo(50_000);
    assertThat(c.maxBatch()).isEqualTo(500);
    assertThat(c.p95GaugeWindow()).isEqualTo(ViewWindow.M5);
    assertThat(c.budgets().quantile()).isEqualTo(0.95);
    assertThat(c.budgets().range(Stage.INFERENCE)).contains(new BudgetRange(250, 700));
    assertThat(c.budgets().range(Stage.FIRST_AUDIO)).contains(new BudgetRange(800, 1500));
    assertThat(c.budgets().range(Stage.FULL_TURN)).isEmpty();
  }

  @Test
  void theInstanceIdIsTheHostNamePlusARandomSuffixUnlessGiven() {
    String one = config(Map.of()).instanceId();
    String two = config(Map.of()).instanceId();
    assertThat(one).matches(".+-[0-9a-f]{8}").isNotEqualTo(two);
    assertThat(config(Map.of("INSTANCE_ID", "metrics-a")).instanceId()).isEqualTo("metrics-a");
  }

  @Test
  void settingsAreRead() {
    MetricsServiceConfig c = config(Map.of(
        "WINDOW_BUCKET", "5s", "WINDOW_ALLOWED_LATENESS", "10s", "PANE_INTERVAL", "250ms",
        "TELEMETRY_INGEST", "KAFKA", "BUDGET_INFERENCE", "300 - 900ms", "BUDGET_PLAYBACK", "none",
        "BUDGET_FULL_TURN", "1000-4000", "IMMEDIATE_COUNTERS", "interrupt_total", "P95_GAUGE_WINDOW", "1m"));
    assertThat(c.windows().bucket()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.windows().allowedLateness()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.paneInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.ingest()).isEqualTo(MetricsServiceConfig.Ingest.KAFKA);
    assertThat(c.budgets().range(Stage.INFERENCE)).contains(new BudgetRange(300, 900));
    assertThat(c.budgets().range(Stage.PLAYBACK)).isEmpty();
    assertThat(c.budgets().range(Stage.FULL_TURN)).contains(new BudgetRange(1000, 4000));
    assertThat(c.windows().immediateCounters()).containsExactly("interrupt_total");
    assertThat(c.p95GaugeWindow()).isEqualTo(ViewWindow.M1);
  }

  @Test
  void aBadValueFailsTheStartNamingItsVariable() {
    assertThatThrownBy(() -> config(Map.of("WINDOW_BUCKET", "0s")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("WINDOW_BUCKET");
    assertThatThrownBy(() -> config(Map.of("WINDOW_BUCKET", "1h")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("WINDOW_BUCKET");
    assertThatThrownBy(() -> config(Map.of("PANE_INTERVAL", "0ms")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PANE_INTERVAL");
    assertThatThrownBy(() -> config(Map.of("TELEMETRY_INGEST", "memory")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TELEMETRY_INGEST");
    assertThatThrownBy(() -> config(Map.of("TELEMETRY_DEADLINE", "0s")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TELEMETRY_DEADLINE");
    assertThatThrownBy(() -> config(Map.of("TELEMETRY_DEADLINE", "2m")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TELEMETRY_DEADLINE");
    assertThatThrownBy(() -> config(Map.of("OUTAGE_CREDIT_MAX", "31m")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("OUTAGE_CREDIT_MAX");
    assertThatThrownBy(() -> config(Map.of("OUTAGE_GRACE", "11m")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("OUTAGE_GRACE");
    assertThatThrownBy(() -> config(Map.of("DEDUPE_BATCH_KEYS", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("DEDUPE_BATCH_KEYS");
    assertThatThrownBy(() -> config(Map.of("IMMEDIATE_COUNTERS", "rotations")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("IMMEDIATE_COUNTERS").hasMessageContaining("rotations");
    assertThatThrownBy(() -> config(Map.of("BUDGET_CAPTURE", "fast")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("BUDGET_CAPTURE");
    assertThatThrownBy(() -> config(Map.of("BUDGET_CAPTURE", "150-80")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("BUDGET_CAPTURE");
    assertThatThrownBy(() -> config(Map.of("BUDGET_QUANTILE", "1.5")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("BUDGET_QUANTILE");
    assertThatThrownBy(() -> config(Map.of("P95_GAUGE_WINDOW", "2m")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("P95_GAUGE_WINDOW");
    assertThatThrownBy(() -> config(Map.of("TELEMETRY_MAX_BATCH", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TELEMETRY_MAX_BATCH");
  }
}
