package dev.rtvoice.alerting.bench;

import dev.rtvoice.alerting.config.RulesLoader;
import dev.rtvoice.alerting.domain.RuleEvaluator;
import dev.rtvoice.alerting.domain.alert.Transition;
import dev.rtvoice.alerting.domain.rule.RuleSpec;
import dev.rtvoice.alerting.domain.window.WindowStore;
import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.metrics.WindowPane;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Evaluation time of 100 rules over 1,000 label sets per window (target: under 50 ms per window).
 *
 * <p>100 rules, each grouped {@code by: [platform, region]}: 40 quantile rules over four latency
 * stages, 40 increase rules over ten counters (10 of them against a 3x
 * baseline of the previous hour), 20 ratio rules. Every 10 s bucket, two
 * metrics-service instances publish a pane per metric with 1,000 label sets (10 platforms x 100
 * regions), latency ones with a sketch of 20 samples per label set. After a bucket's panes are
 * ingested (not timed: that is the consumer's work), one evaluation round is timed: the windows
 * slide, every rule judges its 1,000 groups over merged 5-minute views, alerts change state. The
 * first 400 windows (67 minutes of event time) warm the JIT and fill the views and baselines; the
 * next 300 (50 minutes) are measured.
 *
 * <pre>
 * mvn -o -q -pl alerting-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.rtvoice.alerting.bench.EvaluationBenchmark
 * </pre>
 */
public final class EvaluationBenchmark {
  private static final int PLATFORMS = 10;
  private static final int REGIONS = 100;
  private static final long BUCKET_MS = 10_000;
  private static final String[] STAGES = {"first_audio", "inference", "uplink", "downlink"};
  private static final int COUNTERS = 10;
  private static final String META = "    labels: {severity: ticket}\n"
      + "    annotations: {summary: \"{{ $value }} over {{ $threshold }} for {{ $labels.region }}\"}\n";
  /** 400 windows (67 minutes): the JIT warms and the 1 h baselines fill. */
  private static final int WARMUP = 400;
  private static final int MEASURED = 300;

  private EvaluationBenchmark() {}

  public static void main(String[] args) {
    List<RuleSpec> rules = RulesLoader.parse(rules(), "benchmark", false);
    RuleEvaluator evaluator = new RuleEvaluator(rules, new WindowStore.Settings(120_000, 600_000), Clock.systemUTC());
    long t0 = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
    SplittableRandom random = new SplittableRandom(42);
    long[] nanos = new long[MEASURED];
    int fired = 0;
    int resolved = 0;
    int groupsJudged = 0;
    for (int w = 0; w < WARMUP + MEASURED; w++) {
      long start = t0 + w * BUCKET_MS;
      for (WindowPane pane : panes(start, random, w)) {
        evaluator.ingest(pane, start + BUCKET_MS);
      }
      long began = System.nanoTime();
      RuleEvaluator.Evaluation e = evaluator.evaluate();
      long took = System.nanoTime() - began;
      if (w >= WARMUP) {
        nanos[w - WARMUP] = took;
        for (Transition t : e.transitions()) {
          fired += t.kind() == Transition.Kind.FIRING ? 1 : 0;
          resolved += t.kind() == Transition.Kind.RESOLVED ? 1 : 0;
        }
      }
    }
    for (RuleEvaluator.RuleRuntime r : evaluator.rules()) {
      groupsJudged += r.lastMeasurements().size();
    }
    Arrays.sort(nanos);
    int active = 0;
    for (RuleEvaluator.RuleRuntime r : evaluator.rules()) {
      active += r.alerts().size();
    }
    System.out.printf("rules=%d label_sets=%d windows_measured=%d groups_judged_last_round=%d fired=%d resolved=%d"
        + " active_at_end=%d%n", rules.size(), PLATFORMS * REGIONS, MEASURED, groupsJudged, fired, resolved, active);
    System.out.printf("evaluation per window: p50=%.2f ms p95=%.2f ms p99=%.2f ms max=%.2f ms mean=%.2f ms%n",
        ms(nanos, 0.50), ms(nanos, 0.95), ms(nanos, 0.99), nanos[MEASURED - 1] / 1e6,
        Arrays.stream(nanos).average().orElse(0) / 1e6);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
  }

  private static String rules() {
    StringBuilder y = new StringBuilder("rules:\n");
    for (int i = 0; i < 40; i++) {
      y.append("  - alert: Quantile").append(i).append('\n')
          .append("    expr: {quantile: ").append(i % 2 == 0 ? "0.95" : "0.99").append(", stage: ")
          .append(STAGES[i % STAGES.length]).append(", range: 5m, by: [platform, region]}\n")
          .append("    threshold: ").append(1500 + 10 * i).append('\n')
          .append("    min_samples: 20\n")
          .append("    for: 1m\n")
          .append(META);
    }
    for (int i = 0; i < 40; i++) {
      y.append("  - alert: Increase").append(i).append('\n')
          .append("    expr: {increase: counter_").append(i % COUNTERS).append("_total, range: ")
          .append(i < 20 ? "5m" : "15m").append(", by: [platform, region]}\n")
          .append(i < 30 ? "    threshold: " + ((i < 20 ? 100 : 250) + i) + "\n" : "    threshold: {baseline: 1h, factor: 3}\n")
          .append("    keep_firing_for: 1m\n")
          .append(META);
    }
    for (int i = 0; i < 20; i++) {
      y.append("  - alert: Ratio").append(i).append('\n')
          .append("    expr:\n")
          .append("      ratio:\n")
          .append("        numerator: {increase: counter_").append(i % COUNTERS).append("_total}\n")
          .append("        denominator: {increase: counter_").append((i + 1) % COUNTERS).append("_total}\n")
          .append("      range: 10m\n")
          .append("      by: [platform, region]\n")
          .append("    threshold: ").append(3 + i * 0.01).append('\n')
          .append(META);
    }
    return y.toString();
  }

  /**
   * One bucket's panes from two instances. Realistic load: about 1 % of the label sets run hot at a
   * time (the hot ones move every few minutes), so alerts go pending, fire and resolve all along.
   */
  private static List<WindowPane> panes(long start, SplittableRandom random, int window) {
    List<WindowPane> out = new ArrayList<>();
    Instant from = Instant.ofEpochMilli(start);
    Instant to = Instant.ofEpochMilli(start + BUCKET_MS);
    for (String instance : new String[] {"m1", "m2"}) {
      for (String stage : STAGES) {
        List<WindowPane.Series> series = new ArrayList<>(PLATFORMS * REGIONS);
        for (int p = 0; p < PLATFORMS; p++) {
          for (int r = 0; r < REGIONS; r++) {
            boolean hot = (r + window / 30) % 97 == 0;
            LatencySketch s = new LatencySketch();
            for (int k = 0; k < 10; k++) {
              s.record((hot ? 1200 : 400) * Math.exp(0.4 * random.nextGaussian()));
            }
            series.add(new WindowPane.Series(labels(p, r), s.count(), s));
          }
        }
        out.add(new WindowPane(instance, "latency." + stage, WindowPane.Kind.LATENCY, from, to, true, 1, series));
      }
      for (int c = 0; c < COUNTERS; c++) {
        List<WindowPane.Series> series = new ArrayList<>(PLATFORMS * REGIONS);
        for (int p = 0; p < PLATFORMS; p++) {
          for (int r = 0; r < REGIONS; r++) {
            boolean hot = (r + c + window / 20) % 89 == 0;
            series.add(new WindowPane.Series(labels(p, r), random.nextInt(hot ? 60 : 2), null));
          }
        }
        out.add(new WindowPane(instance, "counter_" + c + "_total", WindowPane.Kind.COUNTER, from, to, true, 1,
            series));
      }
    }
    return out;
  }

  private static Map<String, String> labels(int platform, int region) {
    return Map.of("platform", "p" + platform, "region", "r" + region);
  }
}
