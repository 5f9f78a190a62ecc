package dev.rtvoice.common.metrics;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One pane of one metric of one event-time bucket, as metrics-service publishes it on
 * {@code realtime.metrics.windows} (the payload of a {@code metrics.window} event, keyed by metric).
 * Early panes carry what the open bucket holds so far; the final pane is published when the
 * watermark passes the bucket's end. {@code paneVersion} grows with every pane of one instance and
 * bucket, so a reader keeps the newest pane per (instance, metric, bucket) and never counts twice;
 * merging across instances then gives global figures (sketches merge exactly). Its JSON is
 * {@code dev.rtvoice.common.event.payload.WindowPaneCodec}'s, shared by the writer and every reader.
 *
 * @param kind {@code latency}: each series has a sketch; {@code counter}: each series has the increase
 *     of the counter within the bucket
 */
public record WindowPane(
    String instanceId,
    String metric,
    Kind kind,
    Instant bucketStart,
    Instant bucketEnd,
    boolean finalPane,
    long paneVersion,
    List<Series> series) {

  /** Whether the series of a pane hold sketches or counter increases. */
  public enum Kind { LATENCY, COUNTER }

  /**
   * One label set of the metric.
   *
   * @param value the counter's increase within the bucket (counters), or the sample count (latency)
   * @param sketch the samples of the bucket (latency only)
   */
  public record Series(Map<String, String> labels, double value, LatencySketch sketch) {
    public Series {
      labels = Map.copyOf(labels);
    }
  }

  /**
   * Marks the instance id of a late part: data that reached a bucket after its final pane (the
   * suite's own delay, never the client's), published as a final pane of its own under
   * {@code <instance>#late-<n>} so that readers add it to the bucket instead of replacing anything.
   */
  public static final String LATE_PART_MARK = "#late-";

  public WindowPane {
    series = List.copyOf(series);
  }

  /** Whether this pane is a late part (see {@link #LATE_PART_MARK}). */
  public boolean latePart() {
    return instanceId.contains(LATE_PART_MARK);
  }

  /** The instance that published a pane, late parts included. */
  public static String publisher(String instanceId) {
    int mark = instanceId.indexOf(LATE_PART_MARK);
    return mark < 0 ? instanceId : instanceId.substring(0, mark);
  }
}
