package dev.rtvoice.metrics.bench;

import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.domain.Stage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Serialized size of one stage bucket's sketch (target: under 8 KiB), for several value
 * distributions and sample counts, and the size of the whole {@code metrics.window} pane on Kafka
 * (JSON, sketch in base64) with four platform series. A size, not a time, so a plain main:
 *
 * <pre>
 * mvn -o -q -pl metrics-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.rtvoice.metrics.bench.SketchSizeBenchmark
 * </pre>
 */
public final class SketchSizeBenchmark {
  private SketchSizeBenchmark() {}

  private record Distribution(String name, DoubleSupplier values) {}

  public static void main(String[] args) {
    SplittableRandom random = new SplittableRandom(11);
    List<Distribution> distributions = List.of(
        new Distribution("log-normal, median 300 ms, sigma 0.6",
            () -> clamp(Math.exp(Math.log(300) + 0.6 * RecordingBenchmark.gaussian(random)))),
        new Distribution("uniform 0 .. 2,000 ms", () -> random.nextDouble() * 2_000),
        new Distribution("bimodal 120 ms / 1,400 ms", () -> clamp(random.nextBoolean()
            ? 120 + 15 * RecordingBenchmark.gaussian(random) : 1_400 + 200 * RecordingBenchmark.gaussian(random))),
        new Distribution("uniform 0 .. 120,000 ms (whole valid range)", () -> random.nextDouble() * 120_000),
        new Distribution("worst case: log-uniform 0.01 .. 120,000 ms",
            () -> Math.exp(Math.log(0.01) + random.nextDouble() * (Math.log(120_000) - Math.log(0.01)))));
    int[] counts = {1_000, 20_000, 400_000};
    System.out.printf(Locale.ROOT, "serialized LatencySketch (DDSketch, %.2f%% relative accuracy) per stage bucket%n",
        LatencySketch.RELATIVE_ACCURACY * 100);
    System.out.printf(Locale.ROOT, "  %-45s %10s %10s %10s%n", "distribution", "1k", "20k", "400k");
    int worst = 0;
    for (Distribution d : distributions) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-45s", d.name()));
      for (int n : counts) {
        LatencySketch sketch = new LatencySketch();
        for (int i = 0; i < n; i++) {
          sketch.record(d.values().getAsDouble());
        }
        int size = sketch.serialize().length;
        worst = Math.max(worst, size);
        line.append(String.format(Locale.ROOT, " %8d B", size));
      }
      System.out.println(line);
    }
    System.out.printf(Locale.ROOT, "largest: %d B (target < 8,192 B)%n", worst);

    // a whole pane as it goes on realtime.metrics.windows: four platforms of 20k log-normal samples each
    List<WindowPane.Series> series = new ArrayList<>();
    for (String platform : List.of("web", "ios", "android", "desktop")) {
      LatencySketch sketch = new LatencySketch();
      for (int i = 0; i < 20_000; i++) {
        sketch.record(distributions.get(0).values().getAsDouble());
      }
      series.add(new WindowPane.Series(Map.of("platform", platform), sketch.count(), sketch));
    }
    WindowPane pane = new WindowPane("metrics-1", Stage.FIRST_AUDIO.metricName(), WindowPane.Kind.LATENCY,
        Instant.ofEpochSecond(1_800_000_000L), Instant.ofEpochSecond(1_800_000_010L), true, 3, series);
    System.out.printf(Locale.ROOT, "metrics.window pane payload (JSON, 4 platform series of 20k samples): %d B%n",
        WindowPaneCodec.encode(pane).encode().length());
  }

  private static double clamp(double ms) {
    return Math.max(0, Math.min(120_000, ms));
  }
}
