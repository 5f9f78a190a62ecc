package dev.rtvoice.metrics.domain;

import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * This instance's share of the event-time windows: tumbling buckets on {@code occurred_at}, each
 * holding one sketch per stage and platform and the counters' increases, closed by the
 * {@link Watermark}. It turns them into {@link WindowPane}s: early panes of what changed in open
 * buckets, then the final pane of a bucket once the watermark passed its end, after which the bucket
 * is released. Only open buckets live here (a few, with the defaults: lateness / bucket + 2); the
 * views of the last hour are built from the published panes of every instance
 * ({@link ClusterLatencyView}).
 *
 * <p>Every pane of a bucket carries a version that grows per bucket across all its metrics, so a
 * reader keeps the newest pane per (instance, metric, bucket) and never counts twice.
 *
 * <p>Plain Java, not thread-safe: one owner (an event loop) calls it; time comes from the injected
 * clock, so tests replay hours of event time in milliseconds.
 */
public final class WindowAggregator {
  /** What became of one sample or event. */
  public enum Outcome {
    RECORDED,
    /** Behind the watermark or beyond the horizon: dropped, and counted when it is a sample. */
    LATE,
    /** Further ahead of the wall clock than the allowed skew: dropped, it would close open windows. */
    FUTURE
  }

  /**
   * Sketch bytes allowed in one pane. Base64 adds a third and an event may not exceed 64 KiB, so
   * above this the smallest platforms of the pane are merged into {@code other} (only adversarial
   * value spreads over many platforms get there: a realistic sketch is about a kilobyte).
   */
  static final int PANE_SKETCH_BYTE_BUDGET = 44 * 1024;
  /** Below this many series a pane cannot exceed the budget (each sketch is at most about 4 KiB). */
  private static final int SIZE_CHECK_SERIES = 10;
  private static final int STAGES = Stage.values().length;

  private final String instanceId;
  private final WindowSettings settings;
  private final Clock clock;
  private final long bucketMs;
  private final long horizonMs;
  private final long maxSkewMs;
  private final Watermark watermark;
  private final LabelCapper platforms;
  private final Map<String, LabelCapper> counterLabels = new HashMap<>();
  private final TreeMap<Long, Bucket> buckets = new TreeMap<>();
  private Bucket recent;
  private boolean immediatePending;

  public WindowAggregator(String instanceId, WindowSettings settings, Clock clock) {
    this.instanceId = instanceId;
    this.settings = settings;
    this.clock = clock;
    this.bucketMs = settings.bucket().toMillis();
    this.horizonMs = settings.horizon().toMillis();
    this.maxSkewMs = settings.maxClockSkew().toMillis();
    this.watermark = new Watermark(settings.allowedLateness().toMillis(), settings.idleTimeout().toMillis());
    this.platforms = new LabelCapper(settings.platformLimit(), settings.platformAllowlist());
  }

  public String instanceId() {
    return instanceId;
  }

  public WindowSettings settings() {
    return settings;
  }

  /** The platform label a raw platform value is kept under ({@code other} past the cap). */
  public String platformLabel(String platform) {
    return platforms.cap(platform);
  }

  public Outcome recordLatency(LatencySample sample) {
    return recordLatency(sample.stage(), sample.platform(), sample.valueMs(), sample.occurredAtMs(), clock.millis());
  }

  /** Records one validated sample; {@code nowMs} is the wall clock, read once per batch by the caller. */
  public Outcome recordLatency(Stage stage, String platform, double valueMs, long eventMs, long nowMs) {
    Outcome outcome = admit(eventMs, nowMs);
    if (outcome != Outcome.RECORDED) {
      if (outcome == Outcome.LATE) {
        countDroppedSample(stage, nowMs);
      }
      return outcome;
    }
    bucketFor(eventMs).record(stage, platforms.cap(platform), valueMs);
    return Outcome.RECORDED;
  }

  /**
   * Adds one to a counter's series at event time {@code eventMs}; label values past their cap
   * become {@code other}.
   */
  public Outcome count(String metric, Map<String, String> labels, long eventMs, long nowMs) {
    Outcome outcome = admit(eventMs, nowMs);
    if (outcome != Outcome.RECORDED) {
      return outcome;
    }
    Map<String, String> capped;
    if (labels.isEmpty()) {
      capped = Map.of();
    } else {
      capped = new TreeMap<>();
      for (Map.Entry<String, String> e : labels.entrySet()) {
        LabelCapper capper = counterLabels.computeIfAbsent(metric + '|' + e.getKey(),
            k -> LabelCapper.firstSeen(settings.counterLabelLimit()));
        capped.put(e.getKey(), capper.cap(e.getValue()));
      }
    }
    bucketFor(eventMs).count(metric, capped);
    if (settings.immediateCounters().contains(metric)) {
      immediatePending = true;
    }
    return Outcome.RECORDED;
  }

  private Outcome admit(long eventMs, long nowMs) {
    if (eventMs > nowMs + maxSkewMs) {
      return Outcome.FUTURE;
    }
    if (eventMs < watermark.current(nowMs) || eventMs < nowMs - horizonMs) {
      return Outcome.LATE;
    }
    watermark.observe(eventMs, nowMs);
    return Outcome.RECORDED;
  }

  /** A dropped sample is counted in the newest bucket: the one open while it was dropped. */
  private void countDroppedSample(Stage stage, long nowMs) {
    long newest = watermark.maxEventTime(nowMs);
    if (newest != Watermark.NONE) {
      bucketFor(newest).count(CounterCatalog.SAMPLES_DROPPED, Map.of("stage", stage.wireName()));
    }
  }

  private Bucket bucketFor(long eventMs) {
    long start = Math.floorDiv(eventMs, bucketMs) * bucketMs;
    Bucket b = recent;
    if (b != null && b.start == start) {
      return b;
    }
    b = buckets.get(start);
    if (b == null) {
      b = new Bucket(start, start + bucketMs);
      buckets.put(start, b);
    }
    recent = b;
    return b;
  }

  /** Everything before this event time is closed ({@link Watermark#NONE} before any event). */
  public long watermark() {
    return watermark.current(clock.millis());
  }

  public long maxEventTime() {
    return watermark.maxEventTime(clock.millis());
  }

  /** Whether a counter that must be published at once has moved since the last collect. */
  public boolean immediatePending() {
    return immediatePending;
  }

  /** Whether {@link #collect()} would publish something: a change, or a bucket to close. */
  public boolean hasWork() {
    long wm = watermark();
    for (Bucket b : buckets.values()) {
      if (!b.finalizing && (b.dirty || (wm != Watermark.NONE && b.end <= wm))) {
        return true;
      }
    }
    return false;
  }

  public int openBuckets() {
    return buckets.size();
  }

  /**
   * The panes to publish now: for every open bucket that changed, an early pane of each changed
   * metric; for every bucket the watermark passed, the final pane of each of its metrics. The caller
   * publishes them and then calls {@link PaneBatch#commit()} (final buckets are released) or, when
   * publishing failed, {@link PaneBatch#abort()} (everything is published again next time).
   */
  public PaneBatch collect() {
    long wm = watermark();
    List<WindowPane> panes = new ArrayList<>();
    List<PaneBatch.Early> early = new ArrayList<>();
    List<Bucket> finals = new ArrayList<>();
    for (Bucket b : buckets.values()) {
      if (b.finalizing) {
        continue;
      }
      boolean closing = wm != Watermark.NONE && b.end <= wm;
      if (!closing && !b.dirty) {
        continue;
      }
      long version = ++b.version;
      boolean[] stages = b.stageDirty.clone();
      List<String> counters = new ArrayList<>(b.counterDirty);
      b.clearDirty();
      for (Stage stage : Stage.all()) {
        Map<String, LatencySketch> series = b.latency[stage.ordinal()];
        if (series != null && (closing || stages[stage.ordinal()])) {
          panes.add(latencyPane(b, stage, series, closing, version));
        }
      }
      for (Map.Entry<String, Map<Map<String, String>, long[]>> c : b.counters.entrySet()) {
        if (closing || counters.contains(c.getKey())) {
          panes.add(counterPane(b, c.getKey(), c.getValue(), closing, version));
        }
      }
      if (closing) {
        b.finalizing = true;
        finals.add(b);
      }
      early.add(new PaneBatch.Early(b, stages, counters));
    }
    boolean immediate = immediatePending;
    immediatePending = false;
    return new PaneBatch(this, panes, early, finals, immediate);
  }

  void committed(PaneBatch batch) {
    for (Bucket b : batch.finals()) {
      buckets.remove(b.start);
      if (recent == b) {
        recent = null;
      }
    }
  }

  void aborted(PaneBatch batch) {
    for (PaneBatch.Early part : batch.early()) {
      part.bucket().restoreDirty(part.stages(), part.counters());
    }
    for (Bucket b : batch.finals()) {
      b.finalizing = false;
    }
    immediatePending |= batch.immediate();
  }

  private WindowPane latencyPane(Bucket b, Stage stage, Map<String, LatencySketch> bySeries, boolean closing,
                                 long version) {
    List<WindowPane.Series> series = new ArrayList<>(bySeries.size());
    for (Map.Entry<String, LatencySketch> e : bySeries.entrySet()) {
      LatencySketch copy = e.getValue().copy();
      series.add(new WindowPane.Series(Map.of("platform", e.getKey()), copy.count(), copy));
    }
    return new WindowPane(instanceId, stage.metricName(), WindowPane.Kind.LATENCY, Instant.ofEpochMilli(b.start),
        Instant.ofEpochMilli(b.end), closing, version, fitToBudget(series));
  }

  private WindowPane counterPane(Bucket b, String metric, Map<Map<String, String>, long[]> bySeries, boolean closing,
                                 long version) {
    List<WindowPane.Series> series = new ArrayList<>(bySeries.size());
    bySeries.forEach((labels, count) -> series.add(new WindowPane.Series(labels, count[0], null)));
    return new WindowPane(instanceId, metric, WindowPane.Kind.COUNTER, Instant.ofEpochMilli(b.start),
        Instant.ofEpochMilli(b.end), closing, version, series);
  }

  /** Merges the smallest platforms into {@code other} until the pane's sketches fit one event. */
  static List<WindowPane.Series> fitToBudget(List<WindowPane.Series> series) {
    if (series.size() <= SIZE_CHECK_SERIES) {
      return series;
    }
    Map<WindowPane.Series, Integer> sizes = new java.util.IdentityHashMap<>();
    long total = 0;
    for (WindowPane.Series s : series) {
      int size = s.sketch().serialize().length;
      sizes.put(s, size);
      total += size;
    }
    if (total <= PANE_SKETCH_BYTE_BUDGET) {
      return series;
    }
    List<WindowPane.Series> kept = new ArrayList<>(series);
    kept.sort(Comparator.comparingDouble(WindowPane.Series::value));
    LatencySketch other = new LatencySketch();
    int otherSize = 0;
    for (int i = 0; i < kept.size(); ) {
      WindowPane.Series s = kept.get(i);
      if (total <= PANE_SKETCH_BYTE_BUDGET) {
        break;
      }
      other.merge(s.sketch());
      total -= sizes.get(s) + otherSize;
      otherSize = other.serialize().length;
      total += otherSize;
      kept.remove(i);
    }
    // a series already labelled other joins the merged one
    for (int i = 0; i < kept.size(); i++) {
      if (LabelCapper.OTHER.equals(kept.get(i).labels().get("platform"))) {
        other.merge(kept.remove(i).sketch());
        break;
      }
    }
    kept.add(new WindowPane.Series(Map.of("platform", LabelCapper.OTHER), other.count(), other));
    return kept;
  }

  /** One tumbling bucket of this instance. */
  static final class Bucket {
    final long start;
    final long end;
    long version;
    boolean finalizing;
    boolean dirty;
    @SuppressWarnings("unchecked")
    final Map<String, LatencySketch>[] latency = new Map[STAGES];
    final boolean[] stageDirty = new boolean[STAGES];
    final Map<String, Map<Map<String, String>, long[]>> counters = new TreeMap<>();
    final List<String> counterDirty = new ArrayList<>();

    Bucket(long start, long end) {
      this.start = start;
      this.end = end;
    }

    void record(Stage stage, String platform, double valueMs) {
      int i = stage.ordinal();
      Map<String, LatencySketch> series = latency[i];
      if (series == null) {
        series = new LinkedHashMap<>();
        latency[i] = series;
      }
      LatencySketch sketch = series.get(platform);
      if (sketch == null) {
        sketch = new LatencySketch();
        series.put(platform, sketch);
      }
      sketch.record(valueMs);
      stageDirty[i] = true;
      dirty = true;
    }

    void count(String metric, Map<String, String> labels) {
      counters.computeIfAbsent(metric, m -> new LinkedHashMap<>()).computeIfAbsent(labels, l -> new long[1])[0]++;
      if (!counterDirty.contains(metric)) {
        counterDirty.add(metric);
      }
      dirty = true;
    }

    void clearDirty() {
      java.util.Arrays.fill(stageDirty, false);
      counterDirty.clear();
      dirty = false;
    }

    void restoreDirty(boolean[] stages, List<String> metrics) {
      for (int i = 0; i < stages.length; i++) {
        if (stages[i]) {
          stageDirty[i] = true;
          dirty = true;
        }
      }
      for (String m : metrics) {
        if (!counterDirty.contains(m)) {
          counterDirty.add(m);
        }
        dirty = true;
      }
    }
  }
}
