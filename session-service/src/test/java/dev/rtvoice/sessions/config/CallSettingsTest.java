package dev.rtvoice.sessions.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.sessions.domain.CallLimits;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallSettingsTest {

  @Test
  void defaults() {
    CallSettings s = CallSettings.fromEnv(new Env(Map.of()));
    assertThat(s.limits()).isEqualTo(CallLimits.DEFAULTS);
    assertThat(s.maxConcurrentPerUser()).isEqualTo(3);
    assertThat(s.maxConcurrentPerTenant()).isEqualTo(1000);
  }

  @Test
  void readsEveryKnob() {
    CallSettings s = CallSettings.fromEnv(new Env(Map.of("ROLLOVER_AFTER", "12s", "ROLLOVER_DEADLINE", "5s",
        "LIVENESS_GRACE", "3s", "BUDGET_USER_MAX_CALL_DURATION", "90m", "BUDGET_USER_MAX_CONCURRENT_CALLS", "1",
        "BUDGET_TENANT_MAX_CONCURRENT_CALLS", "2")));
    assertThat(s.limits()).isEqualTo(new CallLimits(12_000, 5_000, 3_000, 90 * 60_000L));
    assertThat(s.maxConcurrentPerUser()).isEqualTo(1);
    assertThat(s.maxConcurrentPerTenant()).isEqualTo(2);
  }

  @Test
  void refusesWhatCannotWork() {
    assertThatThrownBy(() -> CallSettings.fromEnv(new Env(Map.of("ROLLOVER_AFTER", "60m"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ROLLOVER_AFTER");
    assertThatThrownBy(() -> CallSettings.fromEnv(new Env(Map.of("ROLLOVER_DEADLINE", "0s"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ROLLOVER_DEADLINE must be positive");
    assertThatThrownBy(() -> CallSettings.fromEnv(new Env(Map.of("LIVENESS_GRACE", "500ms"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("LIVENESS_GRACE");
    assertThatThrownBy(() -> CallSettings.fromEnv(new Env(Map.of("BUDGET_USER_MAX_CALL_DURATION", "soon"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("BUDGET_USER_MAX_CALL_DURATION");
    assertThatThrownBy(() -> CallSettings.fromEnv(new Env(Map.of("BUDGET_USER_MAX_CONCURRENT_CALLS", "0"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("BUDGET_USER_MAX_CONCURRENT_CALLS");
    assertThatThrownBy(() -> CallSettings.fromEnv(new Env(Map.of("BUDGET_USER_MAX_CONCURRENT_CALLS", "5",
        "BUDGET_TENANT_MAX_CONCURRENT_CALLS", "4"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("BUDGET_TENANT_MAX_CONCURRENT_CALLS");
  }
}
