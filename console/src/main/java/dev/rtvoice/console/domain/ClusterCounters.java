package dev.rtvoice.console.domain;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The suite's counters over a recent window, merged from the panes of every metrics-service
 * instance (as alerting-service merges them): per (instance, metric, bucket) the newest pane version
 * counts, instances' panes of one bucket add up, and a late part (instance {@code <id>#late-<n>},
 * data folded into a bucket after its final pane) adds to its bucket like another instance. So the
 * console shows the cluster's figures, not those of whichever instance a proxy reaches.
 *
 * <p>Plain Java, one thread. Bounded: buckets older than {@code retainMs} before the newest are
 * dropped, and at most {@code maxParts} parts are kept (the oldest go first).
 */
public final class ClusterCounters {
  /** One instance's pane of one counter and bucket, summed over its label sets. */
  public record Part(String instance, String metric, long bucketStartMs, long bucketEndMs, long version,
                     double total) {}

  /** The counters over {@code [fromMs, toMs)}: totals per metric, and the instances that published. */
  public record Totals(long fromMs, long toMs, Map<String, Double> byMetric, Set<String> instances) {}

  private record Key(String instance, String metric, long bucketStartMs) {}

  private static final String LATE_PART_MARK = "#late-";

  private final long retainMs;
  private final int maxParts;
  private final Map<Key, Part> parts = new HashMap<>();
  /** Keys by bucket start, for eviction in time order. */
  private final TreeMap<Long, Set<Key>> byStart = new TreeMap<>();
  private long newestEndMs = Long.MIN_VALUE;

  public ClusterCounters(long retainMs, int maxParts) {
    this.retainMs = retainMs;
    this.maxParts = maxParts;
  }

  /** Takes a part; an older version of a part already held, or one outside the retained span, is ignored. */
  public boolean accept(Part part) {
    if (newestEndMs != Long.MIN_VALUE && part.bucketEndMs() <= newestEndMs - retainMs) {
      return false;
    }
    Key key = new Key(part.instance(), part.metric(), part.bucketStartMs());
    Part held = parts.get(key);
    if (held != null && held.version() >= part.version()) {
      return false;
    }
    parts.put(key, part);
    byStart.computeIfAbsent(part.bucketStartMs(), k -> new java.util.HashSet<>()).add(key);
    if (part.bucketEndMs() > newestEndMs) {
      newestEndMs = part.bucketEndMs();
    }
    evict();
    return true;
  }

  private void evict() {
    Iterator<Map.Entry<Long, Set<Key>>> oldest = byStart.entrySet().iterator();
    while (oldest.hasNext()) {
      Map.Entry<Long, Set<Key>> e = oldest.next();
      boolean expired = parts.get(e.getValue().iterator().next()).bucketEndMs() <= newestEndMs - retainMs;
      if (!expired && parts.size() <= maxParts) {
        return;
      }
      e.getValue().forEach(parts::remove);
      oldest.remove();
    }
  }

  /** The newest bucket end seen (event time of the data), or {@link Long#MIN_VALUE} before any part. */
  public long newestEndMs() {
    return newestEndMs;
  }

  /** Totals over the {@code windowMs} that end with the newest bucket. */
  public Totals lastWindow(long windowMs) {
    if (newestEndMs == Long.MIN_VALUE) {
      return new Totals(0, 0, Map.of(), Set.of());
    }
    long from = newestEndMs - windowMs;
    Map<String, Double> totals = new TreeMap<>();
    Set<String> instances = new TreeSet<>();
    for (Set<Key> keys : byStart.tailMap(from, true).values()) {
      for (Key k : keys) {
        Part p = parts.get(k);
        totals.merge(p.metric(), p.total(), Double::sum);
        int late = p.instance().indexOf(LATE_PART_MARK);
        instances.add(late < 0 ? p.instance() : p.instance().substring(0, late));
      }
    }
    return new Totals(from, newestEndMs, totals, instances);
  }

  /**
   * Each metric's increase per step over {@code count} steps of {@code stepMs} from {@code fromMs}
   * (a bucket counts in the step its start falls in), merged over instances as {@link #lastWindow}.
   */
  public Map<String, double[]> steps(long fromMs, int count, long stepMs) {
    Map<String, double[]> out = new TreeMap<>();
    long toMs = fromMs + count * stepMs;
    for (Set<Key> keys : byStart.subMap(fromMs, true, toMs, false).values()) {
      for (Key k : keys) {
        Part p = parts.get(k);
        int i = (int) ((p.bucketStartMs() - fromMs) / stepMs);
        out.computeIfAbsent(p.metric(), m -> new double[count])[i] += p.total();
      }
    }
    return out;
  }

  public int size() {
    return parts.size();
  }
}
