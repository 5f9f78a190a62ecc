package dev.rtvoice.metrics.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.LatencySampleCodec;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.RawSample;
import dev.rtvoice.metrics.domain.RejectReason;
import dev.rtvoice.metrics.domain.Rejection;
import dev.rtvoice.metrics.domain.Stage;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LatencySampleEventsTest {

  private static EventEnvelope event(JsonObject payload) {
    return EventEnvelope.create(EventType.LATENCY_SAMPLE, "s-1", Instant.ofEpochMilli(5_000),
        Instant.ofEpochMilli(5_010), "session-service", payload);
  }

  @Test
  void aSampleWrittenWithTheSharedCodecReadsBack() {
    LatencySample sample = new LatencySample(Stage.INFERENCE, 612.5, 5_000, "s-1", 3, "web-chrome", "gpt-realtime");
    EventEnvelope event = EventCodec.decode(EventCodec.encode(
        event(LatencySampleCodec.encode(LatencySampleEvents.payload(sample)))));
    assertThat(LatencySampleEvents.read(event))
        .isEqualTo(new RawSample("s-1", "inference", 612.5, 3L, 5_000L, "web-chrome", "gpt-realtime"));
  }

  @Test
  void missingFieldsAreLeftToTheValidator() {
    assertThat(LatencySampleEvents.read(event(new JsonObject())))
        .isEqualTo(new RawSample("s-1", null, null, null, 5_000L, null, null));
  }

  @Test
  void wrongTypesBecomeTheRejectionOfTheirField() {
    JsonObject good = new JsonObject().put("stage", "uplink").put("value_ms", 40).put("turn", 1).put("platform", "web");
    assertRejected(good.copy().put("stage", 3), RejectReason.UNKNOWN_STAGE, "payload.stage must be a string");
    assertRejected(good.copy().put("value_ms", "fast"), RejectReason.INVALID_VALUE,
        "payload.value_ms must be a number");
    assertRejected(good.copy().put("turn", 1.5), RejectReason.INVALID_TURN, "payload.turn must be an integer");
    assertRejected(good.copy().put("platform", true), RejectReason.INVALID_PLATFORM,
        "payload.platform must be a string");
    assertRejected(good.copy().put("model", 7), RejectReason.INVALID_MODEL, "payload.model must be a string");
  }

  private static void assertRejected(JsonObject payload, RejectReason reason, String message) {
    assertThat(LatencySampleEvents.read(event(payload))).isInstanceOfSatisfying(Rejection.class, r -> {
      assertThat(r.reason()).isEqualTo(reason);
      assertThat(r.message()).isEqualTo(message);
    });
  }
}
