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
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real token and session events on the real broker become the counters of docs/events.md, in panes
 * and on {@code /metrics}; inference samples from realtime.latency.samples reach the windows;
 * records that break the payload contract go to the dead-letter topics. The {@code /metrics}
 * output passes {@code promtool check metrics}.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CountersFromEventsIT {

  private static EventEnvelope event(EventType type, String session, JsonObject payload) {
    Instant now = Instant.now();
    return EventEnvelope.create(type, session, now, now, "test", payload);
  }

  @Test
  void eventsBecomeCountersSamplesReachTheWindowsAndBadRecordsAreDeadLettered(TestKafka kafka) throws Exception {
    // a long cadence: whatever shows up quickly was published because it had to be
    try (ServiceUnderTest service = ServiceUnderTest.start(kafka, Map.of("PANE_INTERVAL", "20s"))) {
      String tokens = kafka.topicPrefix() + "realtime.token.events";
      String sessions = kafka.topicPrefix() + "realtime.session.events";
      String samples = kafka.topicPrefix() + "realtime.latency.samples";
      String windows = kafka.topicPrefix() + "realtime.metrics.windows";

      long sent = System.nanoTime();
      kafka.produce(tokens, event(EventType.TOKEN_ROTATION_FAILED, "s-1", new JsonObject()
          .put("user_id", "u").put("device_id", "d").put("reason", "upstream_5xx").put("attempts", 3)
          .put("total_ms", 900).put("reissue_token", true)));
      Eventually.await("rotation failure published at once", () ->
          Panes.onTopicNow(kafka.bootstrapServers(), windows)
              .total("session_rotate_fail_total", Map.of("reason", "upstream_5xx")) == 1, Duration.ofSeconds(10));
      long publishedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
      assertThat(publishedMs).as("well before the 20 s cadence").isLessThan(5_000);

      kafka.produce(tokens, event(EventType.TOKEN_UPSTREAM_REJECTED, "s-1",
          new JsonObject().put("status", 401).put("operation", "rotate").put("user_id", "u").put("device_id", "d")));
      kafka.produce(tokens, event(EventType.TOKEN_ISSUED, "s-2", new JsonObject().put("user_id", "u")
          .put("device_id", "d").put("ttl_seconds", 600).put("expires_at", 1).put("rotate_at", 1).put("generation", 0)
          .put("model", "m").put("voice", "v").put("secret_fingerprint", "fp").put("upstream_ms", 1).put("total_ms", 2)));
      kafka.produce(tokens, event(EventType.TOKEN_DENIED, null, new JsonObject().put("reason", "rate_limited")));
      EventEnvelope interrupted = event(EventType.SESSION_INTERRUPTED, "s-1", new JsonObject().put("interrupt_id", "i1")
          .put("response_id", "r1").put("phase_before", "SPEAKING").put("audio_end_ms", 400));
      kafka.produce(sessions, interrupted);
      // a producer's redelivered copy (same event_id, new offset) is skipped, not counted twice
      kafka.produce(sessions, interrupted);
      kafka.produce(sessions, event(EventType.SESSION_INTERRUPTED, "s-2", new JsonObject().put("interrupt_id", "i2")
          .putNull("response_id").put("phase_before", "THINKING").put("audio_end_ms", 0)));
      kafka.produce(sessions, event(EventType.SESSION_INTERRUPT_RECOVERY_FAILED, "s-1",
          new JsonObject().put("interrupt_id", "i1").put("reason", "ack_timeout")));
      kafka.produce(sessions, event(EventType.SESSION_RECONNECT, "s-1",
          new JsonObject().put("class", "transport").put("reason", "ice_failed")));
      kafka.produce(sessions, event(EventType.SESSION_RECONNECT, "s-2",
          new JsonObject().put("class", "session").put("reason", "my network \"went\" away")));
      kafka.produce(sessions, event(EventType.SESSION_ICE_RESTART, "s-1", new JsonObject().put("reason", "ice_failed")));
      kafka.produce(sessions, event(EventType.SESSION_ICE_FAILED, "s-1", new JsonObject().put("ice_state", "failed")));
      kafka.produce(sessions, event(EventType.SESSION_STALE_EVENT_IGNORED, "s-1", new JsonObject()
          .put("response_id", "r1").put("event_type", "response.output_audio.delta").put("reason", "response_cancelled")));
      kafka.produce(sessions, event(EventType.SESSION_PHASE_CHANGED, "s-1",
          new JsonObject().put("from", "LISTENING").put("to", "THINKING").put("cause", "input_audio_buffer.speech_stopped")
              .put("turn", 1))); // counts nothing
      kafka.produce(samples, event(EventType.LATENCY_SAMPLE, "s-1", new JsonObject()
          .put("stage", "inference").put("value_ms", 612.5).put("turn", 3).put("platform", "web-chrome")
          .put("model", "gpt-realtime")));
      // contract breaches: to the dead-letter topics, with the field named
      kafka.produce(tokens, event(EventType.TOKEN_ROTATION_FAILED, "s-3", new JsonObject().put("user_id", "u")));
      kafka.produce(samples, event(EventType.LATENCY_SAMPLE, "s-1", new JsonObject()
          .put("stage", "inference").put("value_ms", 500_000).put("turn", 3).put("platform", "web")));
      kafka.produceRaw(sessions, "s-1", "{not json".getBytes(StandardCharsets.UTF_8));

      Eventually.await("counters in panes", () -> {
        Panes panes = Panes.onTopicNow(kafka.bootstrapServers(), windows);
        return panes.total("stale_event_total") == 1 && panes.total("latency.inference") == 1
            && panes.total("interrupt_total") == 2;
      }, Duration.ofSeconds(20));
      Panes panes = Panes.onTopicNow(kafka.bootstrapServers(), windows);
      assertThat(panes.total("upstream_auth_rejected_total", Map.of("status", "401"))).isEqualTo(1);
      assertThat(panes.total("token_issued_total")).isEqualTo(1);
      assertThat(panes.total("token_denied_total", Map.of("reason", "rate_limited"))).isEqualTo(1);
      assertThat(panes.total("interrupt_recovery_fail_total", Map.of("reason", "ack_timeout"))).isEqualTo(1);
      assertThat(panes.total("reconnect_total", Map.of("class", "transport", "reason", "ice_failed"))).isEqualTo(1);
      assertThat(panes.total("reconnect_total", Map.of("class", "session", "reason", "my_network__went__away")))
          .as("a client's free text is made label-safe").isEqualTo(1);
      assertThat(panes.total("ice_restart_total")).isEqualTo(1);
      assertThat(panes.total("ice_failure_total")).isEqualTo(1);
      assertThat(panes.total("session_rotate_fail_total")).as("the one without a reason is not counted").isEqualTo(1);
      assertThat(panes.merged("latency.inference").quantile(0.5)).isCloseTo(612.5, org.assertj.core.data.Percentage.withPercentage(1));

      List<ConsumerRecord<String, byte[]>> tokenDlq = kafka.readRecords(tokens + ".dlq", 1, Duration.ofSeconds(10));
      assertThat(tokenDlq).singleElement().satisfies(r ->
          assertThat(header(r, "dlq.field")).isEqualTo("payload.reason"));
      List<ConsumerRecord<String, byte[]>> sampleDlq = kafka.readRecords(samples + ".dlq", 1, Duration.ofSeconds(10));
      assertThat(sampleDlq).singleElement().satisfies(r -> {
        assertThat(header(r, "dlq.field")).isEqualTo("payload.value_ms");
        assertThat(header(r, "dlq.reason")).contains("between 0 and 120000");
      });
      assertThat(kafka.readRecords(sessions + ".dlq", 1, Duration.ofSeconds(10))).hasSize(1);

      Eventually.await("p95 gauge of inference", () -> Http.get(service.url("/metrics")).body()
          .contains("latency_stage_p95_seconds{service=\"metrics-service\",stage=\"inference\"} 0.6"),
          Duration.ofSeconds(25));
      String metrics = Http.get(service.url("/metrics")).body();
      assertThat(metrics)
          .contains("session_rotate_fail_total{reason=\"upstream_5xx\",service=\"metrics-service\"} 1.0")
          .contains("session_rotate_fail_total{reason=\"circuit_open\",service=\"metrics-service\"} 0.0")
          .contains("upstream_auth_rejected_total{service=\"metrics-service\",status=\"401\"} 1.0")
          .contains("interrupt_total{service=\"metrics-service\"} 2.0")
          .contains("pipeline_events_duplicate_total{service=\"metrics-service\",topic=\"" + sessions + "\"} 1.0")
          .contains("ice_restart_total{service=\"metrics-service\"} 1.0")
          .contains("interrupt_recovery_fail_total{reason=\"ack_timeout\",service=\"metrics-service\"} 1.0")
          .contains("reconnect_total{class=\"transport\",reason=\"ice_failed\",service=\"metrics-service\"} 1.0")
          .contains("latency_samples_dropped_total{service=\"metrics-service\",stage=\"capture\"} 0.0")
          .contains("pipeline_samples_rejected_total{reason=\"out_of_range\",service=\"metrics-service\"} 1.0")
          // the histogram's buckets sit on the budget bounds (inference 250-700 ms, first audio 800-1500 ms)
          .contains("latency_stage_seconds_bucket{platform=\"web-chrome\",service=\"metrics-service\",stage=\"inference\",le=\"0.25\"} 0")
          .contains("latency_stage_seconds_bucket{platform=\"web-chrome\",service=\"metrics-service\",stage=\"inference\",le=\"0.7\"} 1")
          .contains("le=\"1.5\"")
          .contains("le=\"0.12\"");
      assertThat(promtool(metrics)).isEqualTo("");
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  /** Runs Debian's promtool for real on the exposition; returns its complaints (empty when clean). */
  static String promtool(String exposition) throws Exception {
    Process process = new ProcessBuilder("/usr/bin/promtool", "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = process.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    process.getInputStream().transferTo(out);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String complaints = out.toString(StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("promtool check metrics: " + complaints).isZero();
    return complaints;
  }
}
