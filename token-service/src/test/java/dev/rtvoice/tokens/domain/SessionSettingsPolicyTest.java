package dev.rtvoice.tokens.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SessionSettingsPolicyTest {
  private final SessionSettingsPolicy policy = new SessionSettingsPolicy(List.of("gpt-realtime", "gpt-realtime-mini"),
      "gpt-realtime", List.of("marin", "cedar"), "marin", 300, 60, 300);

  @Test
  void absentValuesAreTheServerDefaults() {
    assertThat(policy.resolve(null, null, null)).isEqualTo(new SessionSettings("gpt-realtime", "marin", 300));
  }

  @Test
  void allowListedValuesAreTaken() {
    assertThat(policy.resolve("gpt-realtime-mini", "cedar", 120L))
        .isEqualTo(new SessionSettings("gpt-realtime-mini", "cedar", 120));
  }

  @Test
  void theTtlIsClampedNotRefused() {
    assertThat(policy.resolve(null, null, 1L).ttlSeconds()).isEqualTo(60);
    assertThat(policy.resolve(null, null, 59L).ttlSeconds()).isEqualTo(60);
    assertThat(policy.resolve(null, null, 60L).ttlSeconds()).isEqualTo(60);
    assertThat(policy.resolve(null, null, 300L).ttlSeconds()).isEqualTo(300);
    assertThat(policy.resolve(null, null, 301L).ttlSeconds()).isEqualTo(300);
    assertThat(policy.resolve(null, null, Long.MAX_VALUE).ttlSeconds()).isEqualTo(300);
  }

  @Test
  void valuesOffTheAllowListsNameTheirField() {
    assertThatThrownBy(() -> policy.resolve("gpt-4o", null, null)).isInstanceOfSatisfying(
        InvalidSettingException.class, e -> assertThat(e.field()).isEqualTo("model"));
    assertThatThrownBy(() -> policy.resolve(null, "Marin", null)).isInstanceOfSatisfying(
        InvalidSettingException.class, e -> assertThat(e.field()).isEqualTo("voice"));
    assertThatThrownBy(() -> policy.resolve(null, "x".repeat(500), null))
        .hasMessageContaining("...").hasMessageNotContaining("x".repeat(100));
  }

  @Test
  void aShrunkAllowListStopsOldSessionsFromRotating() {
    assertThat(policy.stillAllowed("gpt-realtime", "cedar")).isTrue();
    assertThat(policy.stillAllowed("gpt-realtime", "alloy")).isFalse();
  }

  @Test
  void inconsistentConfigurationIsRefused() {
    assertThatThrownBy(() -> new SessionSettingsPolicy(List.of("a"), "b", List.of("v"), "v", 300, 60, 300))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SessionSettingsPolicy(List.of("a"), "a", List.of("v"), "v", 30, 60, 300))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
