package dev.rtvoice.alerting.domain.window;

import dev.rtvoice.alerting.domain.LabelSet;
import dev.rtvoice.alerting.domain.rule.ViewSpec;
import dev.rtvoice.common.metrics.WindowPane;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The metric windows the rules read, built from {@code realtime.metrics.windows} panes.
 *
 * <p>For each metric and bucket it keeps the newest pane of each metrics-service instance (by
 * {@code pane_version}), so early panes replace each other and nothing is counted twice; the merged
 * bucket is the sum of the instances' panes. A pane for a bucket that ended more than the late grace
 * before the newest bucket is refused (an instance that late is counted, not merged).
 *
 * <p>Two clocks move forward with the data, never with the wall: the window end E (end of the newest
 * bucket, the open one included) and the event time (the newest pane's {@code occurred_at}, within
 * its bucket), which times {@code for} and {@code keep_firing_for}.
 *
 * <p>A <em>late part</em> ({@link WindowPane#latePart()}: data metrics-service folded into a bucket
 * after the bucket's final pane, because the suite itself was delayed) adds to its bucket like
 * another instance's pane, unless the rules have already judged the bucket (its end is at or before
 * the event time of an evaluation, {@link #markJudged}): then it is refused as {@link Outcome#JUDGED}
 * and counted. A judged window stays judged: late data never re-fires, resolves, re-opens or
 * updates an alert, so no notice goes out twice for one window. The late data is still in
 * metrics-service's own figures (budget report, Prometheus counters).
 *
 * <p>Each {@link View} is maintained incrementally: a pane's entries are added to the groups of the
 * views whose window holds its bucket (its previous version taken out first), and when E moves each
 * view adds the buckets that enter its window and subtracts those that leave it. Evaluation then
 * reads ready sums and bins instead of merging sketches. Not thread-safe: one owner.
 */
public final class WindowStore {
  /** What happened to a pane. */
  public enum Outcome {
    /** merged into the windows */
    ACCEPTED,
    /** no rule reads its metric; it only moved the clocks */
    UNUSED,
    /** an equal or newer pane of the same instance and bucket is already here */
    STALE,
    /** its bucket ended more than the late grace before the newest bucket */
    LATE,
    /** a late part for a bucket the rules already judged: kept out of the judgement */
    JUDGED,
    /** its bucket is older than any window reaches */
    EXPIRED,
    /** its bucket starts further in the future than the allowed skew */
    FUTURE,
    /** the metric's panes are of another kind than its rules read (latency vs counter) */
    KIND_MISMATCH,
    /** a sketch this service cannot read */
    INVALID_SKETCH
  }

  /**
   * @param lateGraceMs how long after the newest bucket's end a late instance's pane is still merged
   * @param maxFutureSkewMs how far beyond the wall clock a bucket may start (guards the clocks against
   *     a producer with a wrong clock)
   */
  public record Settings(long lateGraceMs, long maxFutureSkewMs) {}

  private final Map<String, MetricState> metrics = new HashMap<>();
  private final Map<ViewSpec, View> views = new LinkedHashMap<>();
  private final Settings settings;
  private final Clock wallClock;
  private final long horizonMs;
  private final long retentionMs;
  private long windowEnd = Long.MIN_VALUE;
  private long eventTime = Long.MIN_VALUE;
  private long lastBucketMs;
  private long dataSince = Long.MAX_VALUE;
  private long judgedThrough = Long.MIN_VALUE;
  private boolean restoring;
  private long advances;

  public WindowStore(Collection<ViewSpec> specs, Settings settings, Clock wallClock) {
    this.settings = settings;
    this.wallClock = wallClock;
    long horizon = 0;
    for (ViewSpec spec : specs) {
      if (views.containsKey(spec)) {
        continue;
      }
      View view = new View(spec);
      views.put(spec, view);
      MetricState metric = metrics.computeIfAbsent(spec.metric(), m -> new MetricState(spec.kind()));
      if (metric.kind != spec.kind()) {
        throw new IllegalArgumentException("metric " + spec.metric() + " is read both as latency and as counter");
      }
      metric.views.add(view);
      horizon = Math.max(horizon, spec.spanMs());
    }
    this.horizonMs = horizon;
    this.retentionMs = Math.max(horizon, settings.lateGraceMs());
  }

  public View view(ViewSpec spec) {
    View view = views.get(spec);
    if (view == null) {
      throw new IllegalArgumentException("no such view: " + spec);
    }
    return view;
  }

  /** While restoring, late panes are merged anyway: partitions are replayed one after the other. */
  public void restoring(boolean restoring) {
    this.restoring = restoring;
  }

  /**
   * The rules were judged at event time {@code eventTimeMs}: every bucket ending at or before it has
   * been judged, and late parts for it are refused from now on.
   */
  public void markJudged(long eventTimeMs) {
    judgedThrough = Math.max(judgedThrough, eventTimeMs);
  }

  /** Event time of the latest judgement, or {@link Long#MIN_VALUE}. */
  public long judgedThrough() {
    return judgedThrough;
  }

  /** End of the newest bucket (epoch ms), or {@link Long#MIN_VALUE} before the first pane. */
  public long windowEnd() {
    return windowEnd;
  }

  /** Event time reached by the data (epoch ms), or {@link Long#MIN_VALUE} before the first pane. */
  public long eventTime() {
    return eventTime;
  }

  /**
   * Start of the oldest bucket seen (epoch ms), or {@link Long#MAX_VALUE}: windows that reach back
   * further than this are incomplete (a baseline of the hour before needs an hour of data).
   */
  public long dataSince() {
    return dataSince;
  }

  /** How far back the longest view reaches. */
  public long horizonMs() {
    return horizonMs;
  }

  public int bucketCount() {
    int n = 0;
    for (MetricState m : metrics.values()) {
      n += m.buckets.size();
    }
    return n;
  }

  public int seriesCount() {
    int n = 0;
    for (MetricState m : metrics.values()) {
      n += m.series.size();
    }
    return n;
  }

  /**
   * Merges one pane.
   *
   * @param occurredAtMs the envelope's event time; metrics-service sets the bucket end, or for early
   *     panes possibly the event time its data reaches; clamped into the bucket
   */
  public Outcome ingest(WindowPane pane, long occurredAtMs) {
    long start = pane.bucketStart().toEpochMilli();
    long end = pane.bucketEnd().toEpochMilli();
    if (start > wallClock.millis() + settings.maxFutureSkewMs()) {
      return Outcome.FUTURE;
    }
    MetricState metric = metrics.get(pane.metric());
    if (metric != null && metric.kind != pane.kind()) {
      return Outcome.KIND_MISMATCH;
    }
    if (windowEnd != Long.MIN_VALUE) {
      if (end <= windowEnd - retentionMs) {
        return Outcome.EXPIRED;
      }
      if (pane.latePart() && end <= judgedThrough) {
        return Outcome.JUDGED;
      }
      if (!restoring && end <= windowEnd - settings.lateGraceMs()) {
        return Outcome.LATE;
      }
    }
    long asOf = Math.min(end, Math.max(start, occurredAtMs));
    if (metric == null) {
      dataSince = Math.min(dataSince, start);
      advance(end, asOf, end - start);
      return Outcome.UNUSED;
    }
    Bucket bucket = metric.buckets.get(end);
    InstancePane previous = bucket == null ? null : bucket.panes.get(pane.instanceId());
    if (previous != null && previous.version >= pane.paneVersion()) {
      return Outcome.STALE;
    }
    Entry[] entries;
    try {
      entries = metric.entries(pane, end);
    } catch (IllegalArgumentException e) {
      return Outcome.INVALID_SKETCH;
    }
    dataSince = Math.min(dataSince, start);
    advance(end, asOf, end - start);
    if (bucket == null) {
      bucket = new Bucket();
      metric.buckets.put(end, bucket);
    }
    InstancePane next = new InstancePane(pane.paneVersion(), entries);
    bucket.panes.put(pane.instanceId(), next);
    for (int i = 0; i < metric.views.size(); i++) {
      View view = metric.views.get(i);
      if (view.spec().covers(end, windowEnd)) {
        if (previous != null) {
          apply(view, i, previous, -1);
        }
        apply(view, i, next, +1);
        view.touch();
      }
    }
    return Outcome.ACCEPTED;
  }

  /**
   * Moves event time forward without data (an idle input): E follows to the end of the bucket that
   * holds {@code eventTimeMs}, with the last bucket length seen. Returns whether anything moved.
   */
  public boolean advanceIdle(long eventTimeMs) {
    if (windowEnd == Long.MIN_VALUE || eventTimeMs <= eventTime || lastBucketMs <= 0) {
      return false;
    }
    long newEnd = windowEnd;
    if (eventTimeMs > windowEnd) {
      long buckets = (eventTimeMs - windowEnd + lastBucketMs - 1) / lastBucketMs;
      newEnd = windowEnd + buckets * lastBucketMs;
    }
    advance(newEnd, eventTimeMs, lastBucketMs);
    return true;
  }

  private void advance(long end, long asOf, long bucketMs) {
    eventTime = Math.max(eventTime, asOf);
    if (end <= windowEnd) {
      return;
    }
    lastBucketMs = bucketMs;
    long oldEnd = windowEnd;
    windowEnd = end;
    for (MetricState metric : metrics.values()) {
      for (int i = 0; i < metric.views.size(); i++) {
        slide(metric, i, oldEnd, end);
      }
    }
    prune();
  }

  private void slide(MetricState metric, int index, long oldEnd, long newEnd) {
    View view = metric.views.get(index);
    ViewSpec spec = view.spec();
    long off = spec.offsetMs();
    long range = spec.rangeMs();
    if (oldEnd == Long.MIN_VALUE || newEnd - oldEnd >= range) {
      view.clear();
      addBuckets(metric, view, index, newEnd - off - range, newEnd - off, +1);
    } else {
      addBuckets(metric, view, index, oldEnd - off - range, newEnd - off - range, -1);
      addBuckets(metric, view, index, oldEnd - off, newEnd - off, +1);
    }
    view.touch();
  }

  /** Applies every bucket whose end lies in {@code (fromExclusive, toInclusive]}. */
  private void addBuckets(MetricState metric, View view, int index, long fromExclusive, long toInclusive, int sign) {
    if (toInclusive <= fromExclusive) {
      return;
    }
    for (Bucket bucket : metric.buckets.subMap(fromExclusive, false, toInclusive, true).values()) {
      for (InstancePane pane : bucket.panes.values()) {
        apply(view, index, pane, sign);
      }
    }
  }

  private static void apply(View view, int index, InstancePane pane, int sign) {
    for (Entry e : pane.entries) {
      LabelSet group = e.series.groups[index];
      if (group != null) {
        view.apply(group, e.value, e.bins, sign);
      }
    }
  }

  private void prune() {
    long cutoff = windowEnd - retentionMs;
    for (MetricState metric : metrics.values()) {
      metric.buckets.headMap(cutoff, true).clear();
    }
    if (++advances % 64 == 0) {
      for (MetricState metric : metrics.values()) {
        if (metric.series.values().removeIf(s -> s.lastSeenEnd <= cutoff)) {
          java.util.Set<LabelSet> used = new java.util.HashSet<>();
          for (SeriesRef ref : metric.series.values()) {
            for (LabelSet g : ref.groups) {
              if (g != null) {
                used.add(g);
              }
            }
          }
          metric.groupKeys.keySet().retainAll(used);
        }
      }
    }
  }

  /** One metric: its views, its series (each with its group in every view) and its buckets. */
  private static final class MetricState {
    final WindowPane.Kind kind;
    final List<View> views = new ArrayList<>();
    final Map<LabelSet, SeriesRef> series = new HashMap<>();
    final NavigableMap<Long, Bucket> buckets = new TreeMap<>();
    /** Group keys are interned, so that views hash and compare the same objects. */
    final Map<LabelSet, LabelSet> groupKeys = new HashMap<>();

    MetricState(WindowPane.Kind kind) {
      this.kind = kind;
    }

    Entry[] entries(WindowPane pane, long bucketEnd) {
      List<WindowPane.Series> list = pane.series();
      Entry[] entries = new Entry[list.size()];
      for (int i = 0; i < entries.length; i++) {
        WindowPane.Series s = list.get(i);
        BinSnapshot bins = kind == WindowPane.Kind.LATENCY ? SketchBins.of(s.sketch()) : null;
        double value = bins != null ? bins.total() : s.value();
        entries[i] = new Entry(series(LabelSet.of(s.labels())), value, bins);
      }
      for (Entry e : entries) {
        e.series.lastSeenEnd = Math.max(e.series.lastSeenEnd, bucketEnd);
      }
      return entries;
    }

    private SeriesRef series(LabelSet labels) {
      SeriesRef ref = series.get(labels);
      if (ref == null) {
        LabelSet[] groups = new LabelSet[views.size()];
        for (int i = 0; i < groups.length; i++) {
          LabelSet g = views.get(i).groupOf(labels);
          groups[i] = g == null ? null : groupKeys.computeIfAbsent(g, k -> k);
        }
        ref = new SeriesRef(groups);
        series.put(labels, ref);
      }
      return ref;
    }
  }

  /** A series of a metric, with its group in each of the metric's views (null where not selected). */
  private static final class SeriesRef {
    final LabelSet[] groups;
    long lastSeenEnd = Long.MIN_VALUE;

    SeriesRef(LabelSet[] groups) {
      this.groups = groups;
    }
  }

  private record Entry(SeriesRef series, double value, BinSnapshot bins) {}

  private record InstancePane(long version, Entry[] entries) {}

  private static final class Bucket {
    final Map<String, InstancePane> panes = new HashMap<>(4);
  }
}
