package dev.rtvoice.console.domain;

import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The last hour of each stage's latency, as steps (a minute by default) of sketches merged over
 * every metrics-service instance, from the panes on {@code realtime.metrics.windows}. A step's p95 is
 * the p95 of the merged sketch of its buckets, never an average of percentiles, so every console
 * instance that reads the whole topic shows the same figures.
 *
 * <p>Per (instance, bucket) the newest pane counts: an early pane is held until a newer one or the
 * final pane replaces it; a final pane cannot change any more, so it is folded into its step's
 * settled sketch and only its key kept (a repeat of it is ignored). A late part ({@code #late-})
 * is a final pane of its own and adds. Bounded: steps whose end is more than {@code retainMs}
 * behind the newest bucket are dropped, and a step takes at most {@code maxKeysPerStep}
 * (instance, bucket) keys per stage; beyond that a pane is refused (the caller counts it).
 *
 * <p>Plain Java, not thread-safe: one owner (the console verticle's event loop).
 */
public final class LatencyHistory {
  /** The stages in pipeline order, then the end-to-end ones (metric {@code latency.<stage>}). */
  public static final List<String> STAGES = List.of("capture", "uplink", "inference", "downlink", "playback",
      "first_audio", "full_turn");
  private static final String METRIC_PREFIX = "latency.";

  /** What became of a pane. */
  public enum Outcome { KEPT, IGNORED, REFUSED }

  /**
   * One step of one stage.
   *
   * @param p95Ms the p95 of the step's merged samples, {@code NaN} without samples
   */
  public record Point(long count, double p95Ms) {
    static final Point EMPTY = new Point(0, Double.NaN);
  }

  private final long stepMs;
  private final long retainMs;
  private final int maxKeysPerStep;
  private final Map<String, TreeMap<Long, Step>> stages = new HashMap<>();
  private long newestEndMs = Long.MIN_VALUE;

  public LatencyHistory(long stepMs, long retainMs, int maxKeysPerStep) {
    if (stepMs <= 0 || retainMs < stepMs || maxKeysPerStep < 1) {
      throw new IllegalArgumentException("step, retention and key bound must be positive, retention >= step");
    }
    this.stepMs = stepMs;
    this.retainMs = retainMs;
    this.maxKeysPerStep = maxKeysPerStep;
    for (String stage : STAGES) {
      stages.put(stage, new TreeMap<>());
    }
  }

  /** The stage of a pane's metric ({@code latency.first_audio} -> {@code first_audio}), or null. */
  public static String stageOf(String metric) {
    if (metric == null || !metric.startsWith(METRIC_PREFIX)) {
      return null;
    }
    String stage = metric.substring(METRIC_PREFIX.length());
    return STAGES.contains(stage) ? stage : null;
  }

  public long stepMs() {
    return stepMs;
  }

  /** End of the newest bucket seen (event time), {@link Long#MIN_VALUE} before any pane. */
  public long newestEndMs() {
    return newestEndMs;
  }

  /**
   * Takes one latency pane; {@code sketch} is the merge of its series (platforms), owned from now on.
   */
  public Outcome accept(String instance, String metric, long bucketStartMs, long bucketEndMs, boolean finalPane,
                        long version, LatencySketch sketch) {
    String stage = stageOf(metric);
    if (stage == null || (newestEndMs != Long.MIN_VALUE && bucketEndMs <= newestEndMs - retainMs)) {
      return Outcome.IGNORED;
    }
    long stepStart = Math.floorDiv(bucketStartMs, stepMs) * stepMs;
    Step step = stages.get(stage).computeIfAbsent(stepStart, s -> new Step(s + stepMs));
    String key = instance + '@' + bucketStartMs;
    if (step.finalKeys.contains(key)) {
      return Outcome.IGNORED;
    }
    OpenPane open = step.open.get(key);
    if (open != null && open.version >= version) {
      return Outcome.IGNORED;
    }
    if (open == null && step.finalKeys.size() + step.open.size() >= maxKeysPerStep) {
      return Outcome.REFUSED;
    }
    if (finalPane) {
      if (step.settled == null) {
        step.settled = sketch;
      } else {
        step.settled.merge(sketch);
      }
      step.open.remove(key);
      step.finalKeys.add(key);
    } else {
      step.open.put(key, new OpenPane(version, sketch));
    }
    step.point = null;
    if (bucketEndMs > newestEndMs) {
      newestEndMs = bucketEndMs;
      evict();
    }
    return Outcome.KEPT;
  }

  private void evict() {
    long cutoff = newestEndMs - retainMs;
    for (TreeMap<Long, Step> steps : stages.values()) {
      while (!steps.isEmpty() && steps.firstEntry().getValue().end <= cutoff) {
        steps.pollFirstEntry();
      }
    }
  }

  /**
   * The points of {@code stage} for the {@code count} steps starting at {@code fromMs} (a step
   * boundary); a step without samples is {@link Point#EMPTY}.
   */
  public Point[] points(String stage, long fromMs, int count) {
    Point[] out = new Point[count];
    TreeMap<Long, Step> steps = stages.get(stage);
    for (int i = 0; i < count; i++) {
      Step step = steps == null ? null : steps.get(fromMs + i * stepMs);
      out[i] = step == null ? Point.EMPTY : step.point();
    }
    return out;
  }

  /** The instances (late parts counted as their publisher) with panes in the steps held. */
  public Set<String> instances() {
    Set<String> out = new HashSet<>();
    for (TreeMap<Long, Step> steps : stages.values()) {
      for (Step step : steps.values()) {
        step.finalKeys.forEach(k -> out.add(WindowPane.publisher(k.substring(0, k.lastIndexOf('@')))));
        step.open.keySet().forEach(k -> out.add(WindowPane.publisher(k.substring(0, k.lastIndexOf('@')))));
      }
    }
    return out;
  }

  /** Steps held over all stages (for the memory bound). */
  public int stepCount() {
    return stages.values().stream().mapToInt(TreeMap::size).sum();
  }

  private static final class Step {
    final long end;
    LatencySketch settled;
    final Map<String, OpenPane> open = new HashMap<>(4);
    final Set<String> finalKeys = new HashSet<>(8);
    /** Cached until a pane changes the step: the page asks every few seconds, panes come less often. */
    Point point;

    Step(long end) {
      this.end = end;
    }

    Point point() {
      if (point == null) {
        LatencySketch merged = settled == null ? new LatencySketch() : settled.copy();
        for (OpenPane o : open.values()) {
          merged.merge(o.sketch);
        }
        point = merged.isEmpty() ? Point.EMPTY : new Point(merged.count(), merged.quantile(0.95));
      }
      return point;
    }
  }

  private record OpenPane(long version, LatencySketch sketch) {}
}
