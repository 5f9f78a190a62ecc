package dev.rtvoice.metrics.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CounterCatalogTest {

  @Test
  void closedLabelsTurnUnknownValuesIntoOther() {
    CounterDefinition rollovers = CounterCatalog.named(CounterCatalog.ROLLOVERS);
    assertThat(rollovers.boundedValue("outcome", "failed")).isEqualTo("failed");
    assertThat(rollovers.boundedValue("outcome", "exploded")).isEqualTo(CounterDefinition.OTHER);
    CounterDefinition budget = CounterCatalog.named("session_budget_exceeded_total");
    assertThat(budget.boundedValue("scope", "tenant")).isEqualTo("tenant");
    assertThat(budget.boundedValue("limit", "a".repeat(64))).isEqualTo(CounterDefinition.OTHER);
    CounterDefinition reconnects = CounterCatalog.named("reconnect_total");
    assertThat(reconnects.boundedValue("reason", "whatever_the_client_said"))
        .as("open labels stay as they were (capped per label by the aggregator)").isEqualTo("whatever_the_client_said");
  }

  @Test
  void sessionEndedCountsAsAbandonedOnlyWithThatReason() {
    List<CounterDefinition> onEnded = CounterCatalog.forEventType("session.ended");
    assertThat(onEnded).extracting(CounterDefinition::metric).containsExactly("sessions_abandoned_total");
    CounterDefinition abandoned = onEnded.get(0);
    assertThat(abandoned.counts(Map.of("reason", "abandoned", "turns", 3))).isTrue();
    assertThat(abandoned.counts(Map.of("reason", "client_end"))).isFalse();
    assertThat(abandoned.counts(Map.of())).isFalse();
    assertThat(CounterCatalog.named("call_hangup_total").counts(Map.of())).as("no condition").isTrue();
  }

  @Test
  void everyNewCounterIsShownAtZeroWithItsKnownLabelSets() {
    assertThat(CounterCatalog.named("session_budget_exceeded_total").initialLabelSets()).containsExactlyInAnyOrder(
        Map.of("scope", "tenant", "limit", "concurrency"), Map.of("scope", "tenant", "limit", "duration"),
        Map.of("scope", "user", "limit", "concurrency"), Map.of("scope", "user", "limit", "duration"));
    assertThat(CounterCatalog.named(CounterCatalog.FALSE_INTERRUPTIONS).initialLabelSets())
        .containsExactly(Map.of("reason", "too_short"), Map.of("reason", "too_few_words"),
            Map.of("reason", "no_transcript"));
    assertThat(CounterCatalog.named("call_hangup_total").initialLabelSets()).extracting(m -> m.get("reason"))
        .containsExactly("abandoned", "budget_exceeded", "rollover_old_call", "replaced", "unclaimed");
    assertThat(CounterCatalog.named("sessions_abandoned_total").initialLabelSets()).containsExactly(Map.of());
    assertThat(CounterCatalog.named("reconnect_total").initialLabelSets()).as("open labels: nothing up front").isEmpty();
    assertThatThrownBy(() -> CounterCatalog.named("nope_total")).isInstanceOf(IllegalArgumentException.class);
  }
}
