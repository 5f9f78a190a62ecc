package dev.rtvoice.metrics.bench;

import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.metrics.domain.LatencyBudgets;
import dev.rtvoice.metrics.domain.Stage;
import dev.rtvoice.metrics.domain.WindowAggregator;
import dev.rtvoice.metrics.domain.WindowSettings;
import dev.rtvoice.metrics.prometheus.ServiceMeters;
import dev.rtvoice.metrics.testing.ManualClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Recording cost per sample (target: under 100 ns): into a bare sketch, and through the
 * whole windowed path that the telemetry ingest and the pipeline consumer call per sample
 * (watermark, bucket lookup, platform cap, the stage and platform's sketch), with the pane
 * collection of the flusher amortized in: every 16,384 samples the open buckets' changed sketches
 * are copied into panes and closed buckets released, as the pane flusher does. Values are
 * log-normal around 300 ms over six stages and four platforms; event time advances 1 ms per 200
 * samples, the density of the 200,000 samples/s ingest target, so a 10 s bucket holds 2 million
 * samples. Run with {@link JmhBenchmarks}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RecordingBenchmark {
  private static final int N = 1 << 16;
  private static final String[] PLATFORMS = {"web", "ios", "android", "desktop"};
  private static final Stage[] STAGES = {Stage.CAPTURE, Stage.UPLINK, Stage.DOWNLINK, Stage.PLAYBACK,
      Stage.FIRST_AUDIO, Stage.FULL_TURN};

  private final double[] values = new double[N];
  private final Stage[] stages = new Stage[N];
  private final String[] platforms = new String[N];
  private LatencySketch sketch;
  private WindowAggregator aggregator;
  private ManualClock clock;
  private ServiceMeters meters;
  private long eventMs;
  private int i;

  @Setup(Level.Iteration)
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    for (int k = 0; k < N; k++) {
      values[k] = Math.min(120_000, Math.exp(Math.log(300) + 0.6 * gaussian(random)));
      stages[k] = STAGES[random.nextInt(STAGES.length)];
      platforms[k] = PLATFORMS[random.nextInt(PLATFORMS.length)];
    }
    sketch = new LatencySketch();
    long start = 1_800_000_000_000L;
    // the wall clock is the event time: the aggregator releases buckets as the watermark passes them
    clock = ManualClock.at(start);
    aggregator = new WindowAggregator("bench", WindowSettings.defaults(), clock);
    eventMs = start;
    meters = new ServiceMeters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), LatencyBudgets.defaults());
  }

  @Benchmark
  public void sketchRecord() {
    sketch.record(values[i++ & (N - 1)]);
  }

  @Benchmark
  public WindowAggregator.Outcome windowRecord() {
    int k = i++ & (N - 1);
    if (i % 200 == 0) {
      eventMs++;
    }
    WindowAggregator.Outcome outcome = aggregator.recordLatency(stages[k], platforms[k], values[k], eventMs, eventMs);
    if ((i & 0x3FFF) == 0) {
      clock.set(eventMs);
      aggregator.collect().commit(); // the flusher's pane collection: copies of changed sketches; closed buckets released
    }
    return outcome;
  }

  /**
   * What {@code LocalSampleSink} does per accepted HTTP sample: the windowed record above plus the
   * sample in the Prometheus histogram of its stage and platform.
   */
  @Benchmark
  public WindowAggregator.Outcome windowAndHistogramRecord() {
    int k = i & (N - 1);
    WindowAggregator.Outcome outcome = windowRecord();
    meters.recordLatency(stages[k], aggregator.platformLabel(platforms[k]), values[k]);
    return outcome;
  }

  static double gaussian(SplittableRandom random) {
    double u1 = random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }
}
