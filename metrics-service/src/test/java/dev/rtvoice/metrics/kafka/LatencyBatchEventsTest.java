package dev.rtvoice.metrics.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.Stage;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyBatchEventsTest {
  private static final long T = 1_800_000_000_000L;

  private static List<LatencyBatchEvents.Positioned> batch(int size, int skipFirst, String label) {
    List<LatencyBatchEvents.Positioned> out = new ArrayList<>();
    for (int i = skipFirst; i < size; i++) {
      out.add(new LatencyBatchEvents.Positioned(i, new LatencySample(Stage.FIRST_AUDIO, 119_999.123456789,
          T + i, "sess-1", Long.MAX_VALUE, label, label)));
    }
    return out;
  }

  @Test
  void aRetryWithFewerAcceptedSamplesKeepsEachChunksIdAndASubsetOfItsSamples() {
    List<EventEnvelope> first = LatencyBatchEvents.events("sess-1", "b-1", batch(500, 0, "web"),
        Instant.ofEpochMilli(T + 600), "metrics-service");
    // on the retry the oldest 10 samples are too late by now and are not accepted
    List<EventEnvelope> retry = LatencyBatchEvents.events("sess-1", "b-1", batch(500, 10, "web"),
        Instant.ofEpochMilli(T + 5000), "metrics-service");
    assertThat(first).hasSize(2);
    assertThat(retry).hasSize(2);
    for (int c = 0; c < 2; c++) {
      assertThat(retry.get(c).eventId()).isEqualTo(first.get(c).eventId());
      LatencyBatchEvents.Chunk a = LatencyBatchEvents.read(first.get(c));
      LatencyBatchEvents.Chunk b = LatencyBatchEvents.read(retry.get(c));
      assertThat(a.samples()).containsAll(b.samples());
      assertThat(b.chunk()).isEqualTo(c);
    }
    assertThat(LatencyBatchEvents.read(first.get(1)).samples()).hasSize(250);
    // another batch, or another session, has other ids
    assertThat(LatencyBatchEvents.eventId("sess-1", "b-2", 0)).isNotEqualTo(first.get(0).eventId());
    assertThat(LatencyBatchEvents.eventId("sess-2", "b-1", 0)).isNotEqualTo(first.get(0).eventId());
  }

  @Test
  void aChunkOfTheLongestLabelsAndNumbersFitsOneEvent() {
    String label = "x".repeat(64);
    List<EventEnvelope> events = LatencyBatchEvents.events("s".repeat(128), "b".repeat(64), batch(5000, 0, label),
        Instant.ofEpochMilli(T), "metrics-service");
    assertThat(events).hasSize(20);
    for (EventEnvelope e : events) {
      assertThat(EventCodec.encode(e).length()).isLessThan(EventCodec.MAX_BYTES);
      assertThat(LatencyBatchEvents.read(EventCodec.decode(EventCodec.encode(e))).malformed()).isZero();
    }
  }

  @Test
  void aChunkOfTheWrongShapeNamesItsField() {
    EventEnvelope noSamples = EventEnvelope.create(EventType.LATENCY_BATCH, "sess-1", Instant.ofEpochMilli(T),
        Instant.ofEpochMilli(T), "metrics-service", new JsonObject().put("batch_id", "b-1").put("chunk", 0));
    assertThatThrownBy(() -> LatencyBatchEvents.read(noSamples)).isInstanceOf(InvalidEventException.class)
        .hasMessage("payload.samples: must be an array");
  }
}
