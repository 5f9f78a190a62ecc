package dev.rtvoice.common.event.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class WindowPaneCodecTest {

  private static WindowPane latencyPane() {
    LatencySketch sketch = new LatencySketch();
    sketch.record(120);
    sketch.record(1800);
    return new WindowPane("m-1", "latency.first_audio", WindowPane.Kind.LATENCY,
        Instant.ofEpochMilli(10_000), Instant.ofEpochMilli(20_000), false, 3,
        List.of(new WindowPane.Series(Map.of("platform", "web"), 2, sketch)));
  }

  @Test
  void latencyPaneRoundTripsThroughTheEnvelope() {
    WindowPane pane = latencyPane();
    EventEnvelope event = EventEnvelope.create(EventType.METRICS_WINDOW, null, Instant.ofEpochMilli(15_000),
        Instant.now(), "metrics-service", WindowPaneCodec.encode(pane));
    WindowPane back = WindowPaneCodec.decode(EventCodec.decode(EventCodec.encode(event)));
    assertThat(back.instanceId()).isEqualTo("m-1");
    assertThat(back.metric()).isEqualTo("latency.first_audio");
    assertThat(back.kind()).isEqualTo(WindowPane.Kind.LATENCY);
    assertThat(back.bucketStart()).isEqualTo(pane.bucketStart());
    assertThat(back.bucketEnd()).isEqualTo(pane.bucketEnd());
    assertThat(back.finalPane()).isFalse();
    assertThat(back.paneVersion()).isEqualTo(3);
    assertThat(back.series().get(0).labels()).isEqualTo(Map.of("platform", "web"));
    assertThat(back.series().get(0).value()).isEqualTo(2);
    assertThat(back.series().get(0).sketch().quantile(1.0)).isCloseTo(1800, Offset.offset(10.0));
  }

  @Test
  void counterPaneRoundTripsAndEqualPanesEncodeEqually() {
    WindowPane pane = new WindowPane("m-2#late-1", "reconnect_total", WindowPane.Kind.COUNTER,
        Instant.ofEpochMilli(0), Instant.ofEpochMilli(60_000), true, 7,
        List.of(new WindowPane.Series(Map.of("reason", "ice_failed", "class", "transport"), 4, null)));
    assertThat(WindowPaneCodec.decode(WindowPaneCodec.encode(pane))).isEqualTo(pane);
    WindowPane reordered = new WindowPane("m-2#late-1", "reconnect_total", WindowPane.Kind.COUNTER,
        Instant.ofEpochMilli(0), Instant.ofEpochMilli(60_000), true, 7,
        List.of(new WindowPane.Series(Map.of("class", "transport", "reason", "ice_failed"), 4, null)));
    assertThat(WindowPaneCodec.encode(reordered).encode()).isEqualTo(WindowPaneCodec.encode(pane).encode());
  }

  @Test
  void headerReadsWhatTheFullDecodeReads() {
    WindowPaneCodec.Header h = WindowPaneCodec.header(WindowPaneCodec.encode(latencyPane()));
    assertThat(h).isEqualTo(new WindowPaneCodec.Header("m-1", "latency.first_audio", 10_000, 20_000, false, 3));
    JsonObject json = WindowPaneCodec.encode(latencyPane()).put("pane_version", "3");
    assertThatThrownBy(() -> WindowPaneCodec.header(json)).isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("payload.pane_version");
  }

  @Test
  void malformedPanesAreRejectedByField() {
    JsonObject good = WindowPaneCodec.encode(latencyPane());
    assertField(good.copy().put("pane", "late"), "payload.pane");
    assertField(good.copy().put("kind", "gauge"), "payload.kind");
    assertField(good.copy().put("bucket_end_ms", 10_000), "payload.bucket_end_ms");
    assertField(good.copy().put("bucket_start_ms", 1.5), "payload.bucket_start_ms");
    assertField(good.copy().put("instance_id", ""), "payload.instance_id");
    assertField(good.copy().put("series", "none"), "payload.series");
    assertField(good.copy().put("series", new JsonArray().add(3)), "payload.series[0]");
    JsonObject noSketch = good.copy();
    noSketch.getJsonArray("series").getJsonObject(0).remove("sketch");
    assertField(noSketch, "payload.series[0].sketch");
    JsonObject badSketch = good.copy();
    badSketch.getJsonArray("series").getJsonObject(0).put("sketch", "AAAA");
    assertField(badSketch, "payload.series[0].sketch");
    JsonObject notBase64 = good.copy();
    notBase64.getJsonArray("series").getJsonObject(0).put("sketch", "%%%");
    assertField(notBase64, "payload.series[0].sketch");
    JsonObject badLabel = good.copy();
    badLabel.getJsonArray("series").getJsonObject(0).put("labels", new JsonObject().put("platform", 1));
    assertField(badLabel, "payload.series[0].labels.platform");
    JsonObject infinite = good.copy();
    infinite.getJsonArray("series").getJsonObject(0).put("value", "Infinity");
    assertField(infinite, "payload.series[0].value");
    assertField(new JsonObject(), "payload.instance_id");
  }

  @Test
  void anotherEventTypeIsNotAPane() {
    EventEnvelope alert = EventEnvelope.create(EventType.ALERT_FIRING, null, Instant.now(), Instant.now(),
        "alerting-service", WindowPaneCodec.encode(latencyPane()));
    assertThatThrownBy(() -> WindowPaneCodec.decode(alert)).isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("type");
  }

  private static void assertField(JsonObject payload, String field) {
    assertThatThrownBy(() -> WindowPaneCodec.decode(payload)).isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field));
  }
}
