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
 * reader keeps the newest pane per (instance, metric, bucket) and never counts twice. Versions start
 * at the instance's start time in microseconds ({@link #versionEpoch()}; a bucket gets far fewer
 * than a thousand versions per millisecond), so they never go back across restarts; each life of an
 * instance also publishes under an identity of its own ({@link #incarnation}).
 *
 * <p>Lateness is judged by who caused it. Data whose {@code recorded_at} is within the allowed
 * lateness of its {@code occurred_at} was on time when the suite first recorded it; if it reaches a
 * bucket after the bucket's final pane (Kafka or this service was down, or behind), the delay is the
 * suite's, and the data is never dropped: it goes into a <em>late part</em> of its bucket, a final
 * pane of its own published under {@code <instance>#late-<n>} (see
 * {@link WindowPane#LATE_PART_MARK}), which readers add to the bucket (sketches and counts merge
 * exactly). Data recorded already late (the client held it) keeps the watermark rule: dropped and
 * counted, unless one of this instance's outages made it late ({@link OutageCredit}: the suite
 * refused it while Kafka was down, and the client's retry brought it within the grace after). Only
 * data older than the horizon, which no view reaches, is dropped either way.
 *
 * <p>Plain Java, not thread-safe: one owner (an event loop) calls it; time comes from the injected
 * clock, so tests replay hours of event time in milliseconds.
 */
public final class WindowAggregator {
  /** What became of one sample or event. */
  public enum Outcome {
    RECORDED,
    /**
     * Behind the watermark through the suite's own delay: added to a late part of its closed bucket
     * (counted like {@link #RECORDED}).
     */
    FOLDED,
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
  /** {@code recorded_at} not known: lateness is judged by the watermark alone. */
  public static final long UNKNOWN_RECORDED_AT = Long.MIN_VALUE;
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
  /** Late parts taking data, by bucket start, and parts whose publication failed (published again). */
  private final TreeMap<Long, Bucket> lateParts = new TreeMap<>();
  private final List<Bucket> latePartsRetry = new ArrayList<>();
  private final String latePartPrefix;
  private final long latenessMs;
  private final OutageCredit outages;
  private final long versionEpoch;
  private long latePartSeq;
  private long outageExcused;
  private Bucket recent;
  private boolean immediatePending;

  public WindowAggregator(String instanceId, WindowSettings settings, Clock clock) {
    this(instanceId, settings, clock, OutageCredit.none());
  }

  /** With the outages of this instance that excuse lateness ({@link OutageCredit}). */
  public WindowAggregator(String instanceId, WindowSettings settings, Clock clock, OutageCredit outages) {
    this.instanceId = instanceId;
    this.outages = outages;
    this.versionEpoch = Math.multiplyExact(Math.max(0, clock.millis()), 1000L);
    this.settings = settings;
    this.clock = clock;
    this.bucketMs = settings.bucket().toMillis();
    this.horizonMs = settings.horizon().toMillis();
    this.maxSkewMs = settings.maxClockSkew().toMillis();
    this.watermark = new Watermark(settings.allowedLateness().toMillis(), settings.idleTimeout().toMillis());
    this.platforms = new LabelCapper(settings.platformLimit(), settings.platformAllowlist());
    this.latenessMs = settings.allowedLateness().toMillis();
    // unique across restarts of an instance that keeps its INSTANCE_ID: a reader keeps every part
    this.latePartPrefix = instanceId + WindowPane.LATE_PART_MARK + Long.toString(clock.millis(), 36) + '-';
  }

  public String instanceId() {
    return instanceId;
  }

  public WindowSettings settings() {
    return settings;
  }

  /**
   * The pane identity of one life of an instance: its {@code INSTANCE_ID} plus its start time. A
   * restarted instance must not publish under its former life's identity even when the id is pinned:
   * its panes of the buckets still open at the crash hold only what it consumed again (the records
   * after the last commit), and would replace the former life's panes, which hold what was committed
   * before; under an identity of its own, readers add the two lives' panes, as they add instances'.
   */
  public static String incarnation(String instanceId, long startMs) {
    return instanceId + INCARNATION_MARK + Long.toString(startMs, 36);
  }

  /** Separates an instance id from its life's start in {@link #incarnation}. */
  public static final String INCARNATION_MARK = "~";

  /** The version before the first of every bucket of this instance: its start, in microseconds. */
  public long versionEpoch() {
    return versionEpoch;
  }

  /** Samples and events taken because an outage of this instance made them late. */
  public long outageExcused() {
    return outageExcused;
  }

  /** The platform label a raw platform value is kept under ({@code other} past the cap). */
  public String platformLabel(String platform) {
    return platforms.cap(platform);
  }

  public Outcome recordLatency(LatencySample sample) {
    return recordLatency(sample.stage(), sample.platform(), sample.valueMs(), sample.occurredAtMs(), clock.millis());
  }

  /** Records one validated sample whose {@code recorded_at} is not known (the watermark alone judges it). */
  public Outcome recordLatency(Stage stage, String platform, double valueMs, long eventMs, long nowMs) {
    return recordLatency(stage, platform, valueMs, eventMs, UNKNOWN_RECORDED_AT, nowMs);
  }

  /**
   * Records one validated sample; {@code recordedAtMs} is when the suite first recorded it (tells the
   * suite's delay from the client's), {@code nowMs} the wall clock, read once per batch by the caller.
   */
  public Outcome recordLatency(Stage stage, String platform, double valueMs, long eventMs, long recordedAtMs,
                               long nowMs) {
    Outcome outcome = admit(eventMs, recordedAtMs, nowMs);
    if (outcome == Outcome.LATE) {
      countDroppedSample(stage, nowMs);
    }
    Bucket b = target(outcome, eventMs);
    if (b != null) {
      b.record(stage, platforms.cap(platform), valueMs);
    }
    return outcome;
  }

  /**
   * Adds one to a counter's series at event time {@code eventMs}; label values past their cap
   * become {@code other}.
   */
  public Outcome count(String metric, Map<String, String> labels, long eventMs, long nowMs) {
    return count(metric, labels, eventMs, UNKNOWN_RECORDED_AT, nowMs);
  }

  /** As {@link #count(String, Map, long, long)}, with the event's {@code recorded_at} to judge lateness. */
  public Outcome count(String metric, Map<String, String> labels, long eventMs, long recordedAtMs, long nowMs) {
    Outcome outcome = admit(eventMs, recordedAtMs, nowMs);
    Bucket target = target(outcome, eventMs);
    if (target == null) {
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
    target.count(metric, capped);
    if (settings.immediateCounters().contains(metric)) {
      immediatePending = true;
    }
    return outcome;
  }

  private Outcome admit(long eventMs, long recordedAtMs, long nowMs) {
    if (eventMs > nowMs + maxSkewMs) {
      return Outcome.FUTURE;
    }
    if (eventMs < nowMs - horizonMs) {
      return Outcome.LATE;
    }
    if (eventMs < watermark.current(nowMs)) {
      if (recordedAtMs == UNKNOWN_RECORDED_AT) {
        return Outcome.LATE;
      }
      if (recordedAtMs - eventMs <= latenessMs) {
        return Outcome.FOLDED;
      }
      if (outages.excuses(eventMs, recordedAtMs)) {
        outageExcused++;
        return Outcome.FOLDED;
      }
      return Outcome.LATE;
    }
    watermark.observe(eventMs, nowMs);
    return Outcome.RECORDED;
  }

  /** Where an admitted sample or event goes; null when it is not taken. */
  private Bucket target(Outcome outcome, long eventMs) {
    return switch (outcome) {
      case RECORDED -> bucketFor(eventMs);
      case FOLDED -> latePartFor(eventMs);
      default -> null;
    };
  }

  private long bucketStart(long eventMs) {
    return Math.floorDiv(eventMs, bucketMs) * bucketMs;
  }

  private Bucket latePartFor(long eventMs) {
    long start = bucketStart(eventMs);
    Bucket part = lateParts.get(start);
    if (part == null) {
      part = new Bucket(start, start + bucketMs, latePartPrefix + (++latePartSeq), versionEpoch);
      lateParts.put(start, part);
    }
    return part;
  }

  /** A dropped sample is counted in the newest bucket: the one open while it was dropped. */
  private void countDroppedSample(Stage stage, long nowMs) {
    long newest = watermark.maxEventTime(nowMs);
    if (newest != Watermark.NONE) {
      bucketFor(newest).count(CounterCatalog.SAMPLES_DROPPED, Map.of("stage", stage.wireName()));
    }
  }

  private Bucket bucketFor(long eventMs) {
    long start = bucketStart(eventMs);
    Bucket b = recent;
    if (b != null && b.start == start) {
      return b;
    }
    b = buckets.get(start);
    if (b == null) {
      b = new Bucket(start, start + bucketMs, instanceId, versionEpoch);
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
    if (!lateParts.isEmpty() || !latePartsRetry.isEmpty()) {
      return true;
    }
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

  /** Late parts not yet published. */
  public int pendingLateParts() {
    return lateParts.size() + latePartsRetry.size();
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
    List<Bucket> parts = new ArrayList<>(latePartsRetry);
    parts.addAll(lateParts.values());
    latePartsRetry.clear();
    lateParts.clear();
    for (Bucket part : parts) {
      // a late part is final at once: its bucket closed already
      long version = ++part.version;
      for (Stage stage : Stage.all()) {
        if (part.latency[stage.ordinal()] != null) {
          panes.add(latencyPane(part, stage, part.latency[stage.ordinal()], true, version));
        }
      }
      part.counters.forEach((metric, series) -> panes.add(counterPane(part, metric, series, true, version)));
      part.clearDirty();
    }
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
    return new PaneBatch(this, panes, early, finals, parts, immediate);
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
    latePartsRetry.addAll(batch.lateParts());
    immediatePending |= batch.immediate();
  }

  private WindowPane latencyPane(Bucket b, Stage stage, Map<String, LatencySketch> bySeries, boolean closing,
                                 long version) {
    List<WindowPane.Series> series = new ArrayList<>(bySeries.size());
    for (Map.Entry<String, LatencySketch> e : bySeries.entrySet()) {
      LatencySketch copy = e.getValue().copy();
      series.add(new WindowPane.Series(Map.of("platform", e.getKey()), copy.count(), copy));
    }
    return new WindowPane(b.paneInstance, stage.metricName(), WindowPane.Kind.LATENCY, Instant.ofEpochMilli(b.start),
        Instant.ofEpochMilli(b.end), closing, version, fitToBudget(series));
  }

  private WindowPane counterPane(Bucket b, String metric, Map<Map<String, String>, long[]> bySeries, boolean closing,
                                 long version) {
    List<WindowPane.Series> series = new ArrayList<>(bySeries.size());
    bySeries.forEach((labels, count) -> series.add(new WindowPane.Series(labels, count[0], null)));
    return new WindowPane(b.paneInstance, metric, WindowPane.Kind.COUNTER, Instant.ofEpochMilli(b.start),
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
    /** The instance id its panes carry: this instance's, or a late part's. */
    final String paneInstance;
    long version;
    boolean finalizing;
    boolean dirty;
    @SuppressWarnings("unchecked")
    final Map<String, LatencySketch>[] latency = new Map[STAGES];
    final boolean[] stageDirty = new boolean[STAGES];
    final Map<String, Map<Map<String, String>, long[]>> counters = new TreeMap<>();
    final List<String> counterDirty = new ArrayList<>();

    Bucket(long start, long end, String paneInstance, long versionEpoch) {
      this.start = start;
      this.end = end;
      this.paneInstance = paneInstance;
      this.version = versionEpoch;
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
