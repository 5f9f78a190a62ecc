package dev.rtvoice.e2e.bench;

import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.bench.ExactRule.Sample;
import dev.rtvoice.e2e.harness.AlertmanagerProcess;
import dev.rtvoice.e2e.harness.PrometheusProcess;
import dev.rtvoice.e2e.harness.Suite;
import dev.rtvoice.e2e.harness.WebhookReceiver;
import dev.rtvoice.e2e.scenario.VoiceClient;
import dev.rtvoice.metrics.domain.LatencyBudgets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The side-by-side alert latency run: the same generated scenario into this suite (system A, shipped
 * defaults: 10 s buckets, early panes every 1 s, the default rules, no group wait) and into Debian's
 * Prometheus + Alertmanager with their shipped timings (system B: 15 s scrape and evaluation, 30 s
 * group_wait) scraping a classic histogram of the same samples with buckets on the budget bounds.
 *
 * <p>Scenario: first-audio samples, log-normal, about 20 per second, median 700 ms (p95 about
 * 1,250 ms, under the 1,500 ms budget) until the shift, then 1,100 ms (p95 about 1,960 ms); one
 * rotation failure at a known moment. From the raw samples it computes the exact moment each rule
 * holds (p95 over 5 m > 1,500 ms for 2 m; increase of rotation failures > 0), and reports for each
 * system the time from that moment to its webhook call, and the p95 it reported then against the
 * exact p95. Needs the packaged jars (`mvn -q -DskipTests package`) and Debian's prometheus and
 * prometheus-alertmanager. Run (about 5 minutes):
 *
 * <pre>
 * mvn -q -DskipTests package
 * mvn -q -pl e2e test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.rtvoice.e2e.bench.AlertLatencyBenchmark [-Dexec.args="baselineSeconds [seed]"]
 * </pre>
 * The samples' values come from a seeded generator (default seed 42), so every run with the same
 * seed sees the same values and the sketch's error at the crossing is the same; another seed
 * moves the crossing and that error.
 */
public final class AlertLatencyBenchmark {
  static final String LATENCY_RULE = "RealtimeFirstAudioP95High";
  static final String ROTATION_RULE = "SessionRotationFailed";
  static final long RANGE_MS = 300_000;
  static final long FOR_MS = 120_000;
  static final double THRESHOLD_MS = 1500;

  public static void main(String[] args) throws Exception {
    long baselineMs = (args.length > 0 ? Long.parseLong(args[0]) : 60) * 1000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 42;
    Path out = Suite.root().resolve("e2e/target/bench");
    Files.createDirectories(out);
    System.setProperty("e2e.logs", out.resolve("logs").toString());

    double[] bounds = LatencyBudgets.defaults().boundsMs().stream().mapToDouble(Double::doubleValue).toArray();
    double[] withTail = java.util.stream.DoubleStream.concat(java.util.Arrays.stream(bounds),
        java.util.stream.DoubleStream.of(25, 400, 1000, 2000, 3000, 5000, 10_000, 30_000, 60_000, 120_000))
        .distinct().sorted().toArray();

    try (Suite suite = Suite.start(Suite.Options.defaults());
         ClassicHistogramExporter exporter = new ClassicHistogramExporter(withTail);
         WebhookReceiver promHook = new WebhookReceiver("127.0.0.1");
         AlertmanagerProcess am = AlertmanagerProcess.start(out.resolve("b-alertmanager"),
             "http://127.0.0.1:" + promHook.port() + "/hook", "30s");
         PrometheusProcess prometheus = PrometheusProcess.start(out.resolve("b-prometheus"), exporter.target(),
             prometheusRules(), am.url(), "15s")) {
      System.out.printf("suite and Prometheus up; exporter buckets (ms) %s%n", java.util.Arrays.toString(withTail));
      List<VoiceClient> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(new VoiceClient(suite, "bench-user-" + i, "bench-device-" + i).start(300));
      }
      VoiceClient rotator = new VoiceClient(suite, "bench-rotator", "bench-device-r").start(300);

      List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
      Random random = new Random(seed);
      long start = System.currentTimeMillis();
      long shiftAt = start + baselineMs;
      long rotationAt = start + baselineMs / 2;
      long rotationFailedAt = -1;
      long nextBatch = start;
      List<JsonObject> batch = new ArrayList<>();
      long deadline = shiftAt + RANGE_MS;
      int turn = 0;
      long next = start;
      long rotatedAt = start;
      double aP95 = Double.NaN;
      long aQueriedAt = -1;
      long aActiveAt = -1;  // event time at which the suite's alert went pending (from its own API)
      while (System.currentTimeMillis() < deadline) {
        long now = System.currentTimeMillis();
        if (now < next) {
          Thread.sleep(Math.min(5, next - now));
          continue;
        }
        next += 50; // about 20 samples per second
        double median = now < shiftAt ? 700 : 1100;
        double value = median * Math.exp(0.35 * random.nextGaussian());
        samples.add(new Sample(now, value));
        exporter.observe(value);
        batch.add(new JsonObject().put("stage", "first_audio").put("value_ms", value).put("turn", ++turn)
            .put("occurred_at", Instant.ofEpochMilli(now).toString()).put("platform", "web"));
        if (now >= nextBatch) {
          // a client's batch sender: every 200 ms, one request per session
          VoiceClient c = clients.get(turn % clients.size());
          Http.Response r = c.telemetry(new JsonArray(new ArrayList<>(batch)));
          if (r.status() != 202 && r.status() != 200) {
            throw new IllegalStateException("telemetry refused: " + r.body());
          }
          batch.clear();
          nextBatch = now + 200;
        }
        if (rotationFailedAt < 0 && now >= rotationAt) {
          Http.post(suite.simUrl + "/admin/faults", new JsonObject().put("target", "client_secrets")
              .put("status", 500).put("count", 20).encode(), "Content-Type", "application/json");
          Http.Response failed = rotator.rotate();
          rotationFailedAt = System.currentTimeMillis();
          exporter.rotationFailed();
          Http.post(suite.simUrl + "/admin/reset", "{}", "Content-Type", "application/json");
          if (failed.status() != 502) {
            throw new IllegalStateException("expected the rotation to fail, got " + failed.status() + " " + failed.body());
          }
          System.out.printf("rotation failed at +%d ms%n", rotationFailedAt - start);
        }
        if (now - rotatedAt > 200_000) {
          // the clients rotate their secrets (and rotation tokens) well before the 300 s TTL ends
          for (VoiceClient c : clients) {
            Http.Response r = c.rotate();
            if (r.status() != 200) {
              throw new IllegalStateException("rotation refused: " + r.body());
            }
          }
          rotatedAt = now;
        }
        if (aActiveAt < 0 && now >= shiftAt) {
          aActiveAt = activeAt(suite, LATENCY_RULE);
        }
        if (aQueriedAt < 0 && !suite.webhook.matching(LATENCY_RULE, "firing").isEmpty()) {
          // the p95 the suite reports at the moment it pages, from its own API
          aQueriedAt = System.currentTimeMillis();
          System.out.printf("suite paged at +%d ms%n", aQueriedAt - start);
          aP95 = new JsonObject(Http.get(suite.metricsUrl + "/v1/latency/budget?window=5m").body())
              .getJsonObject("stages").getJsonObject("first_audio").getDouble("p95_ms");
        }
        if (!suite.webhook.matching(LATENCY_RULE, "firing").isEmpty()
            && !promHook.matching(LATENCY_RULE, "firing").isEmpty()
            && !promHook.matching(ROTATION_RULE, "firing").isEmpty()
            && !suite.webhook.matching(ROTATION_RULE, "firing").isEmpty()) {
          break;
        }
      }

      List<Sample> all = new ArrayList<>(samples);
      long holds = ExactRule.holdsAt(all, RANGE_MS, 0.95, THRESHOLD_MS, 20, FOR_MS);
      StringBuilder report = new StringBuilder();
      report.append(String.format(Locale.ROOT, "samples: %d (seed %d) over %.0f s, shift at +%d s, exact rule holds at +%.1f s%n",
          all.size(), seed, (all.get(all.size() - 1).atMs() - start) / 1000.0, baselineMs / 1000,
          (holds - start) / 1000.0));
      report.append(String.format(Locale.ROOT, "%-30s %22s %22s%n", "", "A: this suite", "B: Prometheus + AM"));
      long aLatency = firstAt(suite.webhook, LATENCY_RULE) - holds;
      if (aActiveAt > 0) {
        // where A's time goes: noticing the condition (pending) later than it truly began, then from
        // the end of its for to the webhook call
        report.append(String.format(Locale.ROOT, "A: pending at +%.3f s, exact condition from +%.3f s (%+d ms); "
                + "for elapsed -> webhook %d ms%n", (aActiveAt - start) / 1000.0, (holds - FOR_MS - start) / 1000.0,
            aActiveAt - (holds - FOR_MS), firstAt(suite.webhook, LATENCY_RULE) - (aActiveAt + FOR_MS)));
      }
      long bLatency = firstAt(promHook, LATENCY_RULE) - holds;
      report.append(String.format(Locale.ROOT, "%-30s %19d ms %19d ms%n", "latency rule: hold -> webhook", aLatency,
          bLatency));
      long aRot = firstAt(suite.webhook, ROTATION_RULE) - rotationFailedAt;
      long bRot = firstAt(promHook, ROTATION_RULE) - rotationFailedAt;
      report.append(String.format(Locale.ROOT, "%-30s %19d ms %19d ms%n", "rotation rule: failure -> webhook", aRot,
          bRot));

      // the p95 each system reports at the hold moment, against the exact one over the same 5 m
      double aExact = ExactRule.quantile(all, aQueriedAt, RANGE_MS, 0.95);
      long bAt = firstAt(promHook, LATENCY_RULE);
      double bExact = ExactRule.quantile(all, bAt, RANGE_MS, 0.95);
      double bP95 = prometheusQuantile(prometheus.url(), bAt);
      report.append(String.format(Locale.ROOT, "%-30s %15.1f ms %5s %15.1f ms%n", "p95 reported when paged", aP95, "",
          bP95));
      report.append(String.format(Locale.ROOT, "%-30s %15.1f ms %5s %15.1f ms%n", "exact p95 then", aExact, "",
          bExact));
      report.append(String.format(Locale.ROOT, "%-30s %18.2f %% %18.2f %%%n", "relative error",
          100 * Math.abs(aP95 - aExact) / aExact, 100 * Math.abs(bP95 - bExact) / bExact));
      if (aLatency > 0) {
        report.append(String.format(Locale.ROOT, "latency rule: A is %.1fx faster than B%n",
            (double) bLatency / aLatency));
      } else {
        // the sketch's p95 (within its relative accuracy) crossed the threshold before the exact one
        report.append(String.format(Locale.ROOT, "latency rule: A paged %d ms before the exact moment, B %d ms after%n",
            -aLatency, bLatency));
      }
      System.out.println("\n==== alert latency, side by side ====\n" + report);
      Files.writeString(out.resolve("alert-latency.txt"), report.toString());
    }
  }

  private static long firstAt(WebhookReceiver hook, String alertname) {
    return hook.matching(alertname, "firing").stream().mapToLong(WebhookReceiver.Delivery::receivedAtMs).min()
        .orElseThrow(() -> new IllegalStateException(alertname + " never reached a webhook"));
  }

  /** Prometheus' own p95 at that moment, from its HTTP API. */
  private static double prometheusQuantile(String url, long atMs) {
    String q = "histogram_quantile(0.95, sum by (le) (rate(first_audio_ms_bucket[5m])))";
    Http.Response r = Http.get(url + "/api/v1/query?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8)
        + "&time=" + (atMs / 1000.0));
    JsonArray result = new JsonObject(r.body()).getJsonObject("data").getJsonArray("result");
    return result.isEmpty() ? Double.NaN : Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }

  /** The suite's default rules, as Prometheus rules over the exporter. */
  static String prometheusRules() {
    return """
        groups:
          - name: realtime
            rules:
              - alert: RealtimeFirstAudioP95High
                expr: histogram_quantile(0.95, sum by (le) (rate(first_audio_ms_bucket[5m]))) > 1500
                for: 2m
                labels: {severity: page}
              - alert: SessionRotationFailed
                expr: increase(session_rotate_fail_total[5m]) > 0
                labels: {severity: page}
        """;
  }

  private AlertLatencyBenchmark() {}


  /** The active_at (event time) of the rule's alert in the suite's /v1/alerts, or -1 when it has none. */
  private static long activeAt(Suite suite, String alertname) {
    JsonObject alerts = Http.get(suite.alertingUrl + "/v1/alerts").json();
    for (Object o : alerts.getJsonArray("alerts", new JsonArray())) {
      JsonObject a = (JsonObject) o;
      if (alertname.equals(a.getString("alertname")) && a.getString("active_at") != null) {
        return Instant.parse(a.getString("active_at")).toEpochMilli();
      }
    }
    return -1;
  }
}
