package dev.rtvoice.common.event.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyCodecsTest {

  @Test
  void sampleRoundTripsThroughTheEnvelope() {
    LatencySamplePayload sample = new LatencySamplePayload("first_audio", 612.5, 3L, "web-chrome", "gpt-realtime");
    EventEnvelope event = EventEnvelope.create(EventType.LATENCY_SAMPLE, "s-1", Instant.ofEpochMilli(1_000),
        Instant.ofEpochMilli(1_001), "session-service", LatencySampleCodec.encode(sample));
    assertThat(LatencySampleCodec.decode(EventCodec.decode(EventCodec.encode(event)).payloadView()))
        .isEqualTo(sample);
  }

  @Test
  void sampleWithoutModelOmitsItAndIntegralValuesStayIntegers() {
    JsonObject json = LatencySampleCodec.encode(new LatencySamplePayload("capture", 40.0, 1L, "ios", null));
    assertThat(json.encode()).isEqualTo("{\"stage\":\"capture\",\"value_ms\":40,\"turn\":1,\"platform\":\"ios\"}");
    assertThat(LatencySampleCodec.decode(json)).isEqualTo(new LatencySamplePayload("capture", 40.0, 1L, "ios", null));
  }

  @Test
  void sampleLeavesMissingFieldsToTheReaderButRejectsWrongTypesByField() {
    assertThat(LatencySampleCodec.decode(new JsonObject()))
        .isEqualTo(new LatencySamplePayload(null, null, null, null, null));
    JsonObject good = LatencySampleCodec.encode(new LatencySamplePayload("uplink", 41.0, 2L, "web", "m"));
    assertSampleField(good.copy().put("stage", 7), "payload.stage", "must be a string");
    assertSampleField(good.copy().put("value_ms", "fast"), "payload.value_ms", "must be a number");
    assertSampleField(good.copy().put("turn", 1.5), "payload.turn", "must be an integer");
    assertSampleField(good.copy().put("platform", new JsonObject()), "payload.platform", "must be a string");
    assertSampleField(good.copy().put("model", true), "payload.model", "must be a string");
    // the first wrong field is the one named
    assertSampleField(good.copy().put("stage", 7).put("model", true), "payload.stage", "must be a string");
  }

  @Test
  void batchRoundTripsThroughTheEnvelope() {
    LatencyBatchPayload batch = new LatencyBatchPayload("b-1", 2, List.of(
        new LatencyBatchPayload.Sample("playback", 119_999.123456789, 4, 1_700_000_000_123L, "web", null),
        new LatencyBatchPayload.Sample("uplink", 12, 5, 1_700_000_000_456L, "ios", "gpt-realtime")));
    EventEnvelope event = EventEnvelope.create(EventType.LATENCY_BATCH, "s-1", Instant.ofEpochMilli(1_000),
        Instant.ofEpochMilli(1_001), "metrics-service", LatencyBatchCodec.encode(batch));
    LatencyBatchPayload back = LatencyBatchCodec.decode(EventCodec.decode(EventCodec.encode(event)).payloadView());
    assertThat(back).isEqualTo(batch);
    assertThat(back.malformed()).isZero();
  }

  @Test
  void batchCountsMalformedSamplesAndRejectsAMalformedPayloadByField() {
    JsonArray samples = new JsonArray()
        .add(new JsonArray().add("uplink").add(10).add(1).add(5_000).add("web").addNull())
        .add(new JsonArray().add("uplink").add("ten").add(1).add(5_000).add("web").addNull())
        .add(new JsonArray().add("uplink").add(10).add(1).add(5_000).add("web"))
        .add(new JsonArray().add("uplink").add(10).add(1).add(5_000).add("web").add(3))
        .add("uplink");
    LatencyBatchPayload read =
        LatencyBatchCodec.decode(new JsonObject().put("batch_id", "b").put("chunk", 0).put("samples", samples));
    assertThat(read.samples()).containsExactly(new LatencyBatchPayload.Sample("uplink", 10, 1, 5_000, "web", null));
    assertThat(read.malformed()).isEqualTo(4);

    JsonObject good = LatencyBatchCodec.encode(new LatencyBatchPayload("b", 0, List.of()));
    assertBatchField(without(good, "batch_id"), "payload.batch_id");
    assertBatchField(good.copy().put("batch_id", 12), "payload.batch_id");
    assertBatchField(good.copy().put("chunk", "0"), "payload.chunk");
    assertBatchField(good.copy().put("samples", new JsonObject()), "payload.samples");
  }

  private static JsonObject without(JsonObject json, String field) {
    JsonObject copy = json.copy();
    copy.remove(field);
    return copy;
  }

  private static void assertSampleField(JsonObject payload, String field, String reason) {
    assertThatThrownBy(() -> LatencySampleCodec.decode(payload)).isInstanceOf(InvalidEventException.class)
        .satisfies(e -> {
          assertThat(((InvalidEventException) e).field()).isEqualTo(field);
          assertThat(((InvalidEventException) e).reason()).isEqualTo(reason);
        });
  }

  private static void assertBatchField(JsonObject payload, String field) {
    assertThatThrownBy(() -> LatencyBatchCodec.decode(payload)).isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field));
  }
}
