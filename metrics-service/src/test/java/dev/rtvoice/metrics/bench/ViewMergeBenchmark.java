package dev.rtvoice.metrics.bench;

import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import dev.rtvoice.metrics.domain.ClusterLatencyView;
import dev.rtvoice.metrics.domain.Stage;
import dev.rtvoice.metrics.domain.ViewWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Merge cost of a view: {@link ClusterLatencyView#view} over 5 m (30 buckets of 10 s) of all seven
 * stages from {@code instances} instances, each bucket's final pane holding 4 platform series of
 * 2,000 log-normal samples. This is what {@code GET /v1/latency/budget?window=5m} and the p95 gauges
 * pay per call. Also the 1 h view (360 buckets) for scale. Run with {@link JmhBenchmarks}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ViewMergeBenchmark {
  private static final long BUCKET_MS = 10_000;

  @Param({"1", "3"})
  public int instances;

  private ClusterLatencyView view;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(7);
    view = new ClusterLatencyView(ViewWindow.longest());
    long start = 1_800_000_000_000L;
    int buckets = (int) (Duration.ofHours(1).toMillis() / BUCKET_MS);
    for (int b = 0; b < buckets; b++) {
      for (int inst = 0; inst < instances; inst++) {
        for (Stage stage : Stage.all()) {
          List<WindowPane.Series> series = new java.util.ArrayList<>();
          for (String platform : List.of("web", "ios", "android", "desktop")) {
            LatencySketch sketch = new LatencySketch();
            for (int k = 0; k < 2_000; k++) {
              sketch.record(Math.min(120_000, Math.exp(Math.log(300) + 0.6 * RecordingBenchmark.gaussian(random))));
            }
            series.add(new WindowPane.Series(Map.of("platform", platform), sketch.count(), sketch));
          }
          long bucketStart = start + b * BUCKET_MS;
          view.accept(new WindowPane("instance-" + inst, stage.metricName(), WindowPane.Kind.LATENCY,
              Instant.ofEpochMilli(bucketStart), Instant.ofEpochMilli(bucketStart + BUCKET_MS), true, 1, series));
        }
      }
    }
  }

  @Benchmark
  public ClusterLatencyView.View view5m() {
    return view.view(ViewWindow.M5.length());
  }

  @Benchmark
  public ClusterLatencyView.View view1h() {
    return view.view(ViewWindow.H1.length());
  }
}
