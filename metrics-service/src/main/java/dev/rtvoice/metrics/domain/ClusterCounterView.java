package dev.rtvoice.metrics.domain;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The totals of a few counters over every instance, rebuilt from the counter panes on
 * {@code realtime.metrics.windows} like {@link ClusterLatencyView} rebuilds latency: per bucket the
 * newest pane of each instance, a final pane folded in once; buckets older than the retention behind
 * the newest are released. All watched counters are read over the same buckets, so a ratio of two of
 * them (false interruptions per session started) compares like with like. Plain Java, not thread-safe.
 */
public final class ClusterCounterView {
  private final long retentionMs;
  private final Map<String, TreeMap<Long, Bucket>> metrics = new HashMap<>();
  private long latestEnd = Long.MIN_VALUE;

  /** The counters' totals over one window. */
  public record Totals(long windowStartMs, long windowEndMs, Map<String, Double> byMetric) {
    public double total(String metric) {
      return byMetric.getOrDefault(metric, 0.0);
    }
  }

  public ClusterCounterView(Duration retention, Set<String> watched) {
    this.retentionMs = retention.toMillis();
    for (String metric : watched) {
      metrics.put(metric, new TreeMap<>());
    }
  }

  public boolean watches(String metric) {
    return metrics.containsKey(metric);
  }

  /**
   * Takes one pane's increase (the sum of its series). Returns whether it was kept: other metrics,
   * older versions, repeats of a final pane and panes older than the retention are ignored.
   */
  public boolean accept(String instanceId, String metric, long bucketStartMs, long bucketEndMs, boolean finalPane,
                        long version, double increase) {
    TreeMap<Long, Bucket> buckets = metrics.get(metric);
    if (buckets == null || (latestEnd != Long.MIN_VALUE && bucketEndMs <= latestEnd - retentionMs)) {
      return false;
    }
    Bucket bucket = buckets.computeIfAbsent(bucketStartMs, s -> new Bucket(bucketEndMs));
    if (bucket.finalInstances.contains(instanceId)) {
      return false;
    }
    OpenPane current = bucket.open.get(instanceId);
    if (current != null && current.version() >= version) {
      return false;
    }
    if (finalPane) {
      bucket.settled += increase;
      bucket.open.remove(instanceId);
      bucket.finalInstances.add(instanceId);
    } else {
      bucket.open.put(instanceId, new OpenPane(version, increase));
    }
    if (bucketEndMs > latestEnd) {
      latestEnd = bucketEndMs;
      long cutoff = latestEnd - retentionMs;
      for (TreeMap<Long, Bucket> b : metrics.values()) {
        while (!b.isEmpty() && b.firstEntry().getValue().end <= cutoff) {
          b.pollFirstEntry();
        }
      }
    }
    return true;
  }

  /** Buckets held over all watched counters (for the memory bound). */
  public int bucketCount() {
    return metrics.values().stream().mapToInt(TreeMap::size).sum();
  }

  /** Every watched counter summed over the buckets that start within {@code window} of the newest bucket's end. */
  public Totals totals(Duration window) {
    Map<String, Double> out = new HashMap<>();
    if (latestEnd == Long.MIN_VALUE) {
      metrics.keySet().forEach(m -> out.put(m, 0.0));
      return new Totals(0, 0, out);
    }
    long start = latestEnd - window.toMillis();
    metrics.forEach((metric, buckets) -> {
      double sum = 0;
      for (Bucket bucket : buckets.tailMap(start, true).values()) {
        sum += bucket.settled;
        for (OpenPane open : bucket.open.values()) {
          sum += open.increase();
        }
      }
      out.put(metric, sum);
    });
    return new Totals(start, latestEnd, out);
  }

  private record OpenPane(long version, double increase) {}

  private static final class Bucket {
    final long end;
    double settled;
    final Map<String, OpenPane> open = new HashMap<>(4);
    final Set<String> finalInstances = new HashSet<>(4);

    Bucket(long end) {
      this.end = end;
    }
  }
}
