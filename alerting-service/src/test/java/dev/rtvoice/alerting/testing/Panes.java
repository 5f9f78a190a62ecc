package dev.rtvoice.alerting.testing;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.WindowPaneCodec;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Real {@link WindowPane} records and their {@code metrics.window} events, as metrics-service writes them. */
public final class Panes {
  /** Bucket length of metrics-service's windows. */
  public static final long BUCKET_MS = 10_000;

  private Panes() {}

  /** Start of bucket {@code n} of a scenario that begins at {@code t0}. */
  public static long bucketStart(long t0, int n) {
    return t0 + n * BUCKET_MS;
  }

  public static WindowPane counter(String instance, String metric, long bucketStart, long version, boolean finalPane,
                                   Map<String, String> labels, double increase) {
    return new WindowPane(instance, metric, WindowPane.Kind.COUNTER, Instant.ofEpochMilli(bucketStart),
        Instant.ofEpochMilli(bucketStart + BUCKET_MS), finalPane, version,
        List.of(new WindowPane.Series(labels, increase, null)));
  }

  public static WindowPane counter(String metric, long bucketStart, double increase) {
    return counter("m1", metric, bucketStart, 1, true, Map.of(), increase);
  }

  public static WindowPane counters(String instance, String metric, long bucketStart, long version, boolean finalPane,
                                    List<WindowPane.Series> series) {
    return new WindowPane(instance, metric, WindowPane.Kind.COUNTER, Instant.ofEpochMilli(bucketStart),
        Instant.ofEpochMilli(bucketStart + BUCKET_MS), finalPane, version, series);
  }

  public static LatencySketch sketch(double... millis) {
    LatencySketch s = new LatencySketch();
    for (double v : millis) {
      s.record(v);
    }
    return s;
  }

  public static WindowPane latency(String instance, String stage, long bucketStart, long version, boolean finalPane,
                                   Map<String, String> labels, LatencySketch sketch) {
    return new WindowPane(instance, "latency." + stage, WindowPane.Kind.LATENCY, Instant.ofEpochMilli(bucketStart),
        Instant.ofEpochMilli(bucketStart + BUCKET_MS), finalPane, version,
        List.of(new WindowPane.Series(labels, sketch.count(), sketch)));
  }

  public static WindowPane latency(String stage, long bucketStart, double... millis) {
    return latency("m1", stage, bucketStart, 1, true, Map.of("platform", "web"), sketch(millis));
  }

  /** The event metrics-service publishes for a pane; {@code occurred_at} is the bucket end. */
  public static EventEnvelope event(WindowPane pane) {
    return event(pane, pane.bucketEnd());
  }

  public static EventEnvelope event(WindowPane pane, Instant occurredAt) {
    return EventEnvelope.create(EventType.METRICS_WINDOW, null, occurredAt, Instant.now(), "metrics-service",
        WindowPaneCodec.encode(pane));
  }

  /** n copies of a value: a bucket's worth of identical samples. */
  public static double[] repeat(double value, int n) {
    double[] out = new double[n];
    java.util.Arrays.fill(out, value);
    return out;
  }
}
