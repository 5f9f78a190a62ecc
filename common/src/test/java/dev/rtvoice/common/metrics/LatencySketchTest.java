package dev.rtvoice.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencySketchTest {

  private static double exact(double[] sorted, double q) {
    // the same rank convention as DDSketch: the lower of the two values around q * (n - 1)
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }

  @Test
  void quantilesStayWithinTheRelativeBoundAndMergingIsExact() {
    Random random = new Random(7);
    double[] values = new double[200_000];
    LatencySketch all = new LatencySketch();
    LatencySketch a = new LatencySketch();
    LatencySketch b = new LatencySketch();
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.exp(6.5 + 0.6 * random.nextGaussian());
      all.record(values[i]);
      (i % 2 == 0 ? a : b).record(values[i]);
    }
    a.merge(b);
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    for (double q : new double[] {0.5, 0.95, 0.99}) {
      assertThat(all.quantile(q)).isCloseTo(exact(sorted, q), org.assertj.core.data.Percentage.withPercentage(1));
      assertThat(a.quantile(q)).isEqualTo(all.quantile(q));
    }
    assertThat(a.count()).isEqualTo(values.length);
  }

  @Test
  void serializedSketchIsSmallAndRoundTrips() {
    LatencySketch sketch = new LatencySketch();
    Random random = new Random(1);
    for (int i = 0; i < 10_000; i++) {
      sketch.record(random.nextDouble() * 120_000);
    }
    byte[] bytes = sketch.serialize();
    assertThat(bytes.length).isLessThan(8 * 1024);
    LatencySketch back = LatencySketch.deserialize(bytes);
    assertThat(back.quantile(0.95)).isEqualTo(sketch.quantile(0.95));
    assertThat(back.count()).isEqualTo(10_000);
    assertThatThrownBy(() -> LatencySketch.deserialize(new byte[] {9, 1, 2})).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void windowPaneRoundTripsAndRejectsByField() {
    LatencySketch sketch = new LatencySketch();
    sketch.record(120);
    sketch.record(1800);
    WindowPane pane = new WindowPane("m-1", "latency.first_audio", WindowPane.Kind.LATENCY,
        Instant.ofEpochMilli(10_000), Instant.ofEpochMilli(20_000), false, 3,
        List.of(new WindowPane.Series(Map.of("platform", "web"), 2, sketch)));
    WindowPane back = WindowPane.fromJson(pane.toJson());
    assertThat(back.instanceId()).isEqualTo("m-1");
    assertThat(back.paneVersion()).isEqualTo(3);
    assertThat(back.series().get(0).sketch().quantile(1.0)).isCloseTo(1800, org.assertj.core.data.Offset.offset(10.0));

    JsonObject json = pane.toJson().put("pane", "late");
    assertThatThrownBy(() -> WindowPane.fromJson(json)).isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("payload.pane");
    JsonObject noSketch = pane.toJson();
    noSketch.getJsonArray("series").getJsonObject(0).remove("sketch");
    assertThatThrownBy(() -> WindowPane.fromJson(noSketch)).hasMessageContaining("payload.series[0].sketch");
  }
}
