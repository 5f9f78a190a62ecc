package dev.rtvoice.metrics.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.metrics.testing.Panes;
import dev.rtvoice.metrics.testing.ServiceUnderTest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The counters of hand-overs, budgets, hang-ups, abandoned sessions and false interruptions, from
 * real session events on the real broker: in panes, on {@code /metrics} (from 0 before the first
 * event, label values outside their closed set as {@code other}) and, for false interruptions per
 * session started, in the budget report.
 */
@ExtendWith(KafkaBrokerExtension.class)
class HandOverCountersIT {

  private static EventEnvelope event(EventType type, String session, JsonObject payload) {
    Instant now = Instant.now();
    return EventEnvelope.create(type, session, now, now, "test", payload);
  }

  @Test
  void sessionEventsBecomeBoundedCountersAndTheFalseInterruptionRate(TestKafka kafka) throws Exception {
    try (ServiceUnderTest service = ServiceUnderTest.start(kafka, Map.of("PANE_INTERVAL", "20s"))) {
      String sessions = kafka.topicPrefix() + "realtime.session.events";
      String windows = kafka.topicPrefix() + "realtime.metrics.windows";

      String before = Http.get(service.url("/metrics")).body();
      assertThat(before)
          .as("shown at 0 before any event, so the failed hand-over rule sees the series")
          .contains("session_rollover_total{outcome=\"failed\",service=\"metrics-service\"} 0.0")
          .contains("session_budget_exceeded_total{limit=\"concurrency\",scope=\"tenant\",service=\"metrics-service\"} 0.0")
          .contains("call_hangup_total{reason=\"rollover_old_call\",service=\"metrics-service\"} 0.0")
          .contains("false_interruption_total{reason=\"too_short\",service=\"metrics-service\"} 0.0")
          .contains("sessions_abandoned_total{service=\"metrics-service\"} 0.0");

      // a failed hand-over is published at once (IMMEDIATE_COUNTERS), not at the 20 s cadence
      kafka.produce(sessions, event(EventType.SESSION_ROLLOVER, "s-1",
          new JsonObject().put("outcome", "failed").put("reason", "deadline")));
      Eventually.await("failed hand-over published at once", () ->
          Panes.onTopicNow(kafka.bootstrapServers(), windows)
              .total("session_rollover_total", Map.of("outcome", "failed")) == 1, Duration.ofSeconds(10));

      for (int i = 0; i < 4; i++) {
        kafka.produce(sessions, event(EventType.SESSION_STARTED, "s-" + i, new JsonObject().put("user_id", "u")));
      }
      kafka.produce(sessions, event(EventType.SESSION_ROLLOVER, "s-1", new JsonObject().put("outcome", "planned")
          .put("reason", "call_age").put("call_id", "c1").put("deadline_ms", 1_767_228_960_020L)));
      kafka.produce(sessions, event(EventType.SESSION_ROLLOVER, "s-1", new JsonObject().put("outcome", "completed")
          .put("old_call_id", "c1").put("new_call_id", "c2").put("gap_ms", 120).put("rollovers", 1)));
      // an outcome docs/events.md does not know: its fields are unknown, the codec refuses it (dead-lettered)
      kafka.produce(sessions, event(EventType.SESSION_ROLLOVER, "s-2", new JsonObject().put("outcome", "x".repeat(60))));
      kafka.produce(sessions, event(EventType.SESSION_BUDGET_EXCEEDED, "s-2", new JsonObject()
          .put("scope", "user").put("limit", "duration").put("value", 14_400_001).put("max", 14_400_000)));
      kafka.produce(sessions, event(EventType.SESSION_BUDGET_EXCEEDED, "s-3", new JsonObject()
          .put("scope", "galaxy").put("limit", "concurrency").put("value", 5).put("max", 4)));
      kafka.produce(sessions, event(EventType.SESSION_CALL_HUNG_UP, "s-2", new JsonObject()
          .put("call_id", "c3").put("reason", "budget_exceeded")));
      kafka.produce(sessions, event(EventType.SESSION_CALL_HUNG_UP, "s-1", new JsonObject()
          .put("call_id", "c1").put("reason", "rollover_old_call")));
      kafka.produce(sessions, event(EventType.SESSION_CALL_HUNG_UP, "s-3", new JsonObject()
          .put("call_id", "c4").put("reason", "abandoned")));
      kafka.produce(sessions, event(EventType.SESSION_ENDED, "s-3", new JsonObject().put("reason", "abandoned")
          .put("turns", 2)));
      kafka.produce(sessions, event(EventType.SESSION_ENDED, "s-2", new JsonObject().put("reason", "budget_exceeded")
          .put("turns", 9))); // not abandoned: counts nothing
      kafka.produce(sessions, event(EventType.SESSION_FALSE_INTERRUPTION, "s-0", new JsonObject()
          .put("response_id", "r1").put("speech_ms", 180).put("reason", "too_short")));
      kafka.produce(sessions, event(EventType.SESSION_FALSE_INTERRUPTION, "s-1", new JsonObject()
          .put("response_id", "r2").put("speech_ms", 600).put("words", 1).put("reason", "too_few_words")));
      kafka.produce(sessions, event(EventType.SESSION_FALSE_INTERRUPTION, "s-1", new JsonObject()
          .put("response_id", "r3").put("speech_ms", 600).put("reason", "a cough?")));
      // a missing label breaks the contract: dead-lettered, not counted
      kafka.produce(sessions, event(EventType.SESSION_CALL_HUNG_UP, "s-4", new JsonObject().put("call_id", "c5")));

      Eventually.await("counters on /metrics", () -> service.counter("false_interruption_total") == 3
          && service.counter("sessions_started_total") == 4, Duration.ofSeconds(20));
      String metrics = Http.get(service.url("/metrics")).body();
      assertThat(metrics)
          .contains("session_rollover_total{outcome=\"failed\",service=\"metrics-service\"} 1.0")
          .contains("session_rollover_total{outcome=\"planned\",service=\"metrics-service\"} 1.0")
          .contains("session_rollover_total{outcome=\"completed\",service=\"metrics-service\"} 1.0")
          .contains("session_budget_exceeded_total{limit=\"duration\",scope=\"user\",service=\"metrics-service\"} 1.0")
          .contains("session_budget_exceeded_total{limit=\"concurrency\",scope=\"other\",service=\"metrics-service\"} 1.0")
          .contains("call_hangup_total{reason=\"budget_exceeded\",service=\"metrics-service\"} 1.0")
          .contains("call_hangup_total{reason=\"rollover_old_call\",service=\"metrics-service\"} 1.0")
          .contains("call_hangup_total{reason=\"abandoned\",service=\"metrics-service\"} 1.0")
          .contains("sessions_abandoned_total{service=\"metrics-service\"} 1.0")
          .contains("false_interruption_total{reason=\"too_short\",service=\"metrics-service\"} 1.0")
          .contains("false_interruption_total{reason=\"too_few_words\",service=\"metrics-service\"} 1.0")
          .contains("false_interruption_total{reason=\"other\",service=\"metrics-service\"} 1.0")
          .doesNotContain("galaxy").doesNotContain("xxxxxxxx").doesNotContain("cough");
      assertThat(service.counter("call_hangup_total")).as("the hang-up without a reason is not counted").isEqualTo(3);
      assertThat(kafka.readRecords(sessions + ".dlq", 2, Duration.ofSeconds(10)))
          .extracting(r -> new String(r.headers().lastHeader("dlq.field").value()))
          .containsExactlyInAnyOrder("payload.outcome", "payload.reason");
      assertThat(CountersFromEventsIT.promtool(metrics)).isEqualTo("");

      // the rate per session: both counters over the same buckets of every instance's panes
      Eventually.await("false interruptions per session in the budget report", () -> {
        JsonObject rate = Http.get(service.url("/v1/latency/budget?window=5m")).json()
            .getJsonObject("false_interruptions");
        return rate.getLong("count") == 3 && rate.getLong("sessions_started") == 4;
      }, Duration.ofSeconds(40));
      JsonObject rate = Http.get(service.url("/v1/latency/budget?window=1h")).json().getJsonObject("false_interruptions");
      assertThat(rate.getDouble("per_session")).isEqualTo(0.75);
      Panes panes = Panes.onTopicNow(kafka.bootstrapServers(), windows);
      assertThat(panes.total("session_rollover_total")).isEqualTo(3);
      assertThat(panes.total("sessions_abandoned_total")).isEqualTo(1);
      assertThat(panes.total("session_budget_exceeded_total", Map.of("scope", "other", "limit", "concurrency")))
          .isEqualTo(1);
    }
  }
}
