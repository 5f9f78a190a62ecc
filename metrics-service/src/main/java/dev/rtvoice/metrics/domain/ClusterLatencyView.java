package dev.rtvoice.metrics.domain;

import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The latency of every instance, rebuilt from the panes on {@code realtime.metrics.windows}: per
 * stage and bucket, the newest pane of each instance, merged. Percentiles of a view are those of the
 * merged sketch of its buckets, never an average of percentiles, so N instances sharing the input
 * give the same figures as one instance fed everything.
 *
 * <p>A final pane cannot change any more, so it is folded into the bucket's settled sketch and the
 * instance's copy dropped; only open buckets keep a pane per instance. Buckets older than the
 * retention (the longest view) behind the newest bucket are released, so memory is bounded by
 * stages x buckets of the longest view, whatever the number of instances or platforms.
 *
 * <p>A late part ({@link WindowPane#LATE_PART_MARK}) is a final pane of its own and is added to its
 * bucket like another instance's, but counts as its publisher in {@link View#instances()}.
 *
 * <p>Sketches of early panes are decoded only when a view needs them: most early panes are replaced
 * by a newer one before anyone asks. Plain Java, not thread-safe.
 */
public final class ClusterLatencyView {
  /** What one pane says about itself; its sketch is decoded on demand. */
  public record PaneHeader(String instanceId, String metric, long bucketStartMs, long bucketEndMs,
                           boolean finalPane, long version) {}

  /**
   * The merged latency of one view.
   *
   * @param windowStartMs event time of the first bucket's start
   * @param windowEndMs end of the newest bucket
   * @param instances how many instances contributed panes to these buckets
   */
  public record View(long windowStartMs, long windowEndMs, Map<Stage, LatencySketch> stages, int instances) {
    public LatencySketch stage(Stage stage) {
      return stages.get(stage);
    }
  }

  private final long retentionMs;
  private final EnumMap<Stage, TreeMap<Long, BucketView>> stages = new EnumMap<>(Stage.class);
  private long latestEnd = Long.MIN_VALUE;

  public ClusterLatencyView(Duration retention) {
    this.retentionMs = retention.toMillis();
    for (Stage stage : Stage.all()) {
      stages.put(stage, new TreeMap<>());
    }
  }

  /** Takes a decoded pane (tests, and the local replay). */
  public boolean accept(WindowPane pane) {
    PaneHeader header = new PaneHeader(pane.instanceId(), pane.metric(), pane.bucketStart().toEpochMilli(),
        pane.bucketEnd().toEpochMilli(), pane.finalPane(), pane.paneVersion());
    return accept(header, () -> mergeSeries(pane));
  }

  /**
   * Takes one pane; {@code sketch} yields the merge of its series. Returns whether the pane was
   * kept: panes of other metrics, older versions, repeats of a final pane and panes older than the
   * retention are ignored.
   */
  public boolean accept(PaneHeader pane, Supplier<LatencySketch> sketch) {
    Stage stage = Stage.fromMetricName(pane.metric()).orElse(null);
    if (stage == null || (latestEnd != Long.MIN_VALUE && pane.bucketEndMs() <= latestEnd - retentionMs)) {
      return false;
    }
    TreeMap<Long, BucketView> buckets = stages.get(stage);
    BucketView bucket = buckets.computeIfAbsent(pane.bucketStartMs(), s -> new BucketView(pane.bucketEndMs()));
    if (bucket.finalInstances.contains(pane.instanceId())) {
      return false;
    }
    OpenPane current = bucket.open.get(pane.instanceId());
    if (current != null && current.version >= pane.version()) {
      return false;
    }
    if (pane.finalPane()) {
      LatencySketch merged = sketch.get();
      if (bucket.settled == null) {
        bucket.settled = merged;
      } else {
        bucket.settled.merge(merged);
      }
      bucket.open.remove(pane.instanceId());
      bucket.finalInstances.add(pane.instanceId());
    } else {
      bucket.open.put(pane.instanceId(), new OpenPane(pane.version(), sketch));
    }
    if (pane.bucketEndMs() > latestEnd) {
      latestEnd = pane.bucketEndMs();
      evict();
    }
    return true;
  }

  private void evict() {
    long cutoff = latestEnd - retentionMs;
    for (TreeMap<Long, BucketView> buckets : stages.values()) {
      while (!buckets.isEmpty() && buckets.firstEntry().getValue().end <= cutoff) {
        buckets.pollFirstEntry();
      }
    }
  }

  /** End of the newest bucket seen; {@link Long#MIN_VALUE} before any pane. */
  public long latestBucketEnd() {
    return latestEnd;
  }

  /** Buckets held, over all stages (for the memory bound). */
  public int bucketCount() {
    int n = 0;
    for (TreeMap<Long, BucketView> buckets : stages.values()) {
      n += buckets.size();
    }
    return n;
  }

  /**
   * The buckets whose start is within {@code window} of the newest bucket's end, merged per stage
   * over all instances and platforms. Stages without data have an empty sketch.
   */
  public View view(Duration window) {
    EnumMap<Stage, LatencySketch> out = new EnumMap<>(Stage.class);
    if (latestEnd == Long.MIN_VALUE) {
      for (Stage stage : Stage.all()) {
        out.put(stage, new LatencySketch());
      }
      return new View(0, 0, out, 0);
    }
    long start = latestEnd - window.toMillis();
    Set<String> instances = new HashSet<>();
    for (Stage stage : Stage.all()) {
      LatencySketch merged = new LatencySketch();
      for (BucketView bucket : stages.get(stage).tailMap(start, true).values()) {
        if (bucket.settled != null) {
          merged.merge(bucket.settled);
        }
        for (OpenPane open : bucket.open.values()) {
          merged.merge(open.sketch());
        }
        bucket.finalInstances.forEach(id -> instances.add(WindowPane.publisher(id)));
        bucket.open.keySet().forEach(id -> instances.add(WindowPane.publisher(id)));
      }
      out.put(stage, merged);
    }
    return new View(start, latestEnd, out, instances.size());
  }

  private static LatencySketch mergeSeries(WindowPane pane) {
    LatencySketch merged = new LatencySketch();
    for (WindowPane.Series series : pane.series()) {
      if (series.sketch() != null) {
        merged.merge(series.sketch());
      }
    }
    return merged;
  }

  private static final class BucketView {
    final long end;
    LatencySketch settled;
    final Map<String, OpenPane> open = new HashMap<>(4);
    final Set<String> finalInstances = new HashSet<>(4);

    BucketView(long end) {
      this.end = end;
    }
  }

  private static final class OpenPane {
    final long version;
    private Supplier<LatencySketch> source;
    private LatencySketch decoded;

    OpenPane(long version, Supplier<LatencySketch> source) {
      this.version = version;
      this.source = source;
    }

    LatencySketch sketch() {
      if (decoded == null) {
        decoded = source.get();
        source = null;
      }
      return decoded;
    }
  }
}
