package dev.rtvoice.e2e.bench;

import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.bench.ExactRule.Sample;
import dev.rtvoice.e2e.harness.AlertmanagerProcess;
import dev.rtvoice.e2e.harness.PrometheusProcess;
import dev.rtvoice.e2e.harness.Suite;
import dev.rtvoice.e2e.harness.WebhookReceiver;
import dev.rtvoice.metrics.domain.LatencyBudgets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side alert latency run at production scale: the same generated scenario into this
 * suite (system A: two processes of each service on one real broker, shipped defaults: 10 s
 * buckets, early panes every 1 s, the default rules, no group wait) and into Debian's Prometheus +
 * Alertmanager with their shipped timings (system B: 15 s scrape and evaluation, 30 s group_wait)
 * scraping a classic histogram of the same samples with buckets on the budget bounds.
 *
 * <p>Load: 2,000 simulated sessions ({@link SessionLoad}) issue client secrets, report turns and
 * interrupts to session-service and send telemetry batches to metrics-service, round robin over the
 * instances. Scenario: the first-audio samples of every turn are log-normal, median 700 ms (p95
 * about 1,250 ms, under the 1,500 ms budget) until the shift, then 1,100 ms (p95 about 1,960 ms);
 * one rotation fails at a known moment. From the accepted samples it computes the exact moment each
 * rule holds (p95 over 5 m > 1,500 ms for 2 m; increase of rotation failures > 0), and reports for
 * each system the time from that moment to its webhook call, the p95 it reported then against the
 * exact p95, the CPU each service instance used, the rates the load generator achieved and every
 * error answer. Needs the packaged jars and Debian's prometheus and prometheus-alertmanager; the
 * exact command is in the root README ("Alerts within 2 seconds").
 */
public final class AlertLatencyBenchmark {
  static final String LATENCY_RULE = "RealtimeFirstAudioP95High";
  static final String ROTATION_RULE = "SessionRotationFailed";
  static final long RANGE_MS = 300_000;
  static final long FOR_MS = 120_000;
  static final double THRESHOLD_MS = 1500;
  static final int MIN_SAMPLES = 20;
  /** How long after the range has passed the shift the run still waits for the slower system. */
  static final long GRACE_MS = 60_000;

  public static void main(String[] args) throws Exception {
    BenchSettings cfg = BenchSettings.parse(args);
    Path out = Suite.root().resolve("e2e/target/bench");
    Files.createDirectories(out);
    System.out.printf("settings: %s%n", cfg);

    double[] bounds = LatencyBudgets.defaults().boundsMs().stream().mapToDouble(Double::doubleValue).toArray();
    double[] withTail = java.util.stream.DoubleStream.concat(java.util.Arrays.stream(bounds),
        java.util.stream.DoubleStream.of(25, 400, 1000, 2000, 3000, 5000, 10_000, 30_000, 60_000, 120_000))
        .distinct().sorted().toArray();

    try (WebhookReceiver hook = new WebhookReceiver("127.0.0.1");
         ClassicHistogramExporter exporter = new ClassicHistogramExporter(withTail);
         WebhookReceiver promHook = new WebhookReceiver("127.0.0.1");
         AlertmanagerProcess am = AlertmanagerProcess.start(out.resolve("b-alertmanager"),
             "http://127.0.0.1:" + promHook.port() + "/hook", "30s");
         PrometheusProcess prometheus = PrometheusProcess.start(out.resolve("b-prometheus"), exporter.target(),
             prometheusRules(), am.url(), "15s");
         ScaledSuite suite = ScaledSuite.start(out.resolve("logs"), cfg.instances(),
             "http://127.0.0.1:" + hook.port() + "/hook")) {
      String metricsUrl = suite.urls("metrics-service").get(0);
      String alertingUrl = suite.urls("alerting-service").get(0);
      SampleLedger ledger = new SampleLedger(exporter);
      Shift shift = new Shift();
      Rotator rotator = new Rotator(suite);
      System.out.printf("suite up (%d instances of each service) and Prometheus up; issuing %d sessions%n",
          cfg.instances(), cfg.sessions());
      try (SessionLoad load = new SessionLoad(cfg.load(), suite.urls("token-service"), suite.urls("session-service"),
          suite.urls("metrics-service"), suite.identity, cfg.seed(), shift::medianAt,
          ledger)) {
        long issueStart = System.currentTimeMillis();
        load.issueAll(Duration.ofMinutes(10));
        System.out.printf("%d sessions issued in %.1f s%n", cfg.sessions(), (System.currentTimeMillis() - issueStart)
            / 1000.0);

        Map<String, Long> pids = new LinkedHashMap<>(suite.pids());
        pids.put("load generator (this JVM)", ProcessHandle.current().pid());
        systemBPids().forEach(pids::put);
        Map<String, Long> cpuBefore = CpuMeter.snapshot(pids);
        long start = System.currentTimeMillis();
        shift.at = start + cfg.baselineSeconds() * 1000L;
        long rotationAt = start + cfg.baselineSeconds() * 500L;
        long deadline = shift.at + RANGE_MS + GRACE_MS;
        load.run();

        long rotationFailedAt = -1;
        double aP95 = Double.NaN;
        long aQueriedAt = -1;
        long aActiveAt = -1; // event time at which the suite's alert went pending (from its own API)
        long nextReport = start + 30_000;
        while (System.currentTimeMillis() < deadline) {
          Thread.sleep(100);
          long now = System.currentTimeMillis();
          if (rotationFailedAt < 0 && now >= rotationAt) {
            load.pauseTokenCalls(Duration.ofSeconds(60));
            try {
              rotationFailedAt = rotator.failOnce();
              ledger.rotationFailed();
            } finally {
              load.resumeTokenCalls();
            }
            System.out.printf("rotation failed at +%d ms%n", rotationFailedAt - start);
          }
          if (aActiveAt < 0 && now >= shift.at) {
            aActiveAt = activeAt(alertingUrl, LATENCY_RULE);
          }
          if (aQueriedAt < 0 && !hook.matching(LATENCY_RULE, "firing").isEmpty()) {
            // the p95 the suite reports at the moment it pages, from its own API
            aQueriedAt = System.currentTimeMillis();
            System.out.printf("suite paged at +%d ms%n", aQueriedAt - start);
            aP95 = new JsonObject(Http.get(metricsUrl + "/v1/latency/budget?window=5m").body())
                .getJsonObject("stages").getJsonObject("first_audio").getDouble("p95_ms");
          }
          if (now >= nextReport) {
            nextReport += 30_000;
            System.out.printf("+%d s: %d first-audio samples sent, %d client events accepted, %d answers 429, "
                    + "%d answers 503, %d connection errors%n", (now - start) / 1000, ledger.size(),
                load.stats().eventsAccepted.sum(), load.stats().withStatus(429), load.stats().withStatus(503),
                load.stats().connectionErrors());
          }
          if (!hook.matching(LATENCY_RULE, "firing").isEmpty() && !promHook.matching(LATENCY_RULE, "firing").isEmpty()
              && !promHook.matching(ROTATION_RULE, "firing").isEmpty()
              && !hook.matching(ROTATION_RULE, "firing").isEmpty()) {
            break;
          }
        }
        long end = System.currentTimeMillis();
        Map<String, Long> cpuUsed = CpuMeter.used(cpuBefore, CpuMeter.snapshot(pids));
        load.stop(Duration.ofSeconds(15));
        Map<String, Integer> phases = load.phases(Duration.ofMinutes(2));

        Run run = new Run(cfg, start, end, shift.at, rotationFailedAt, aActiveAt, aQueriedAt, aP95);
        String report = report(run, ledger, hook, promHook, prometheus.url(), load.stats(), cpuUsed, phases);
        System.out.println("\n==== alert latency, side by side ====\n" + report);
        Files.writeString(out.resolve("alert-latency.txt"), report);
      }
    }
  }

  /** The moment the first-audio median moves from 700 to 1,100 ms (set once the load runs). */
  private static final class Shift {
    volatile long at = Long.MAX_VALUE;

    double medianAt(long nowMs) {
      return nowMs < at ? 700 : 1100;
    }
  }

  /** What the main loop saw. */
  private record Run(BenchSettings cfg, long start, long end, long shiftAt, long rotationFailedAt, long aActiveAt,
                     long aQueriedAt, double aP95) {
    double seconds() {
      return (end - start) / 1000.0;
    }
  }

  /**
   * One session of its own whose rotation is made to fail: the upstream answers its client-secret
   * calls 500 (more times than token-service retries) while no other token-service call is in flight.
   */
  private static final class Rotator {
    private final ScaledSuite suite;
    private final String userId = "bench-rotator-" + System.currentTimeMillis();
    private final String sessionId;
    private final String rotationToken;

    Rotator(ScaledSuite suite) {
      this.suite = suite;
      Http.Response r = Http.post(suite.urls("token-service").get(0) + "/v1/sessions",
          new JsonObject().put("ttl_seconds", SessionLoad.TTL_SECONDS).encode(), headers());
      if (r.status() != 201) {
        throw new IllegalStateException("the rotator's session was not issued: " + r.status() + " " + r.body());
      }
      sessionId = r.json().getString("session_id");
      rotationToken = r.json().getString("rotation_token");
    }

    private String[] headers() {
      return new String[] {"Authorization", "Bearer " + suite.identity.userToken(userId, Duration.ofMinutes(30)),
          "X-Device-ID", userId + "-device", "Content-Type", "application/json"};
    }

    /** Fails one rotation; returns the moment its 502 was answered. */
    long failOnce() {
      Http.post(suite.simUrl + "/admin/faults", new JsonObject().put("target", "client_secrets")
          .put("status", 500).put("count", 20).encode(), "Content-Type", "application/json");
      Http.Response failed;
      try {
        failed = Http.post(suite.urls("token-service").get(0) + "/v1/sessions/" + sessionId + "/rotate",
            new JsonObject().put("rotation_token", rotationToken).encode(), headers());
      } finally {
        Http.post(suite.simUrl + "/admin/reset", "{}", "Content-Type", "application/json");
      }
      long at = System.currentTimeMillis();
      if (failed.status() != 502) {
        throw new IllegalStateException("expected the rotation to fail, got " + failed.status() + " " + failed.body());
      }
      return at;
    }
  }

  private static String report(Run run, SampleLedger ledger, WebhookReceiver hook, WebhookReceiver promHook,
                               String prometheusUrl, LoadStats stats, Map<String, Long> cpuUsed,
                               Map<String, Integer> phases) {
    List<Sample> byEvent = ledger.byEventTime();
    List<Sample> bySend = ledger.bySendTime();
    long holdsEvent = ExactRule.holdsAt(byEvent, RANGE_MS, 0.95, THRESHOLD_MS, MIN_SAMPLES, FOR_MS);
    // the reference: the rule judged on the samples at the moment they were sent, when either system could have them
    long holds = ExactRule.holdsAt(bySend, RANGE_MS, 0.95, THRESHOLD_MS, MIN_SAMPLES, FOR_MS);
    long start = run.start();
    StringBuilder r = new StringBuilder();
    BenchSettings cfg = run.cfg();
    r.append(String.format(Locale.ROOT, "%d sessions, %d instances of each service, seed %d; %d first-audio samples "
            + "over %.0f s, shift at +%d s%n", cfg.sessions(), cfg.instances(), cfg.seed(), byEvent.size(),
        run.seconds(), cfg.baselineSeconds()));
    r.append(String.format(Locale.ROOT, "exact rule holds at +%s on the samples as sent (+%s by their event "
        + "time; the difference is the clients' batching)%n", rel(holds, start), rel(holdsEvent, start)));

    long aFirst = firstAt(hook, LATENCY_RULE);
    long bFirst = firstAt(promHook, LATENCY_RULE);
    long aRotFirst = firstAt(hook, ROTATION_RULE);
    long bRotFirst = firstAt(promHook, ROTATION_RULE);
    long aLatency = aFirst < 0 || holds < 0 ? Long.MIN_VALUE : aFirst - holds;
    long bLatency = bFirst < 0 || holds < 0 ? Long.MIN_VALUE : bFirst - holds;
    long aRot = aRotFirst < 0 ? Long.MIN_VALUE : aRotFirst - run.rotationFailedAt();
    long bRot = bRotFirst < 0 ? Long.MIN_VALUE : bRotFirst - run.rotationFailedAt();
    if (run.aActiveAt() > 0 && holds > 0 && aFirst > 0) {
      r.append(String.format(Locale.ROOT, "A: pending at +%.3f s, exact condition from +%.3f s (%+d ms); "
              + "for elapsed -> webhook %d ms%n", (run.aActiveAt() - start) / 1000.0, (holds - FOR_MS - start) / 1000.0,
          run.aActiveAt() - (holds - FOR_MS), aFirst - (run.aActiveAt() + FOR_MS)));
    }
    r.append(String.format(Locale.ROOT, "%-36s %20s %20s%n", "", "A: this suite", "B: Prometheus + AM"));
    r.append(String.format(Locale.ROOT, "%-36s %20s %20s%n", "latency rule: hold -> webhook", ms(aLatency),
        ms(bLatency)));
    r.append(String.format(Locale.ROOT, "%-36s %20s %20s%n", "  (from the event-time hold)",
        ms(aFirst < 0 || holdsEvent < 0 ? Long.MIN_VALUE : aFirst - holdsEvent),
        ms(bFirst < 0 || holdsEvent < 0 ? Long.MIN_VALUE : bFirst - holdsEvent)));
    r.append(String.format(Locale.ROOT, "%-36s %20s %20s%n", "rotation rule: failure -> webhook", ms(aRot), ms(bRot)));
    r.append(String.format(Locale.ROOT, "%-36s %20d %20d%n", "firing notices at the webhook: latency",
        hook.matching(LATENCY_RULE, "firing").size(), promHook.matching(LATENCY_RULE, "firing").size()));
    r.append(String.format(Locale.ROOT, "%-36s %20d %20d%n", "firing notices at the webhook: rotation",
        hook.matching(ROTATION_RULE, "firing").size(), promHook.matching(ROTATION_RULE, "firing").size()));

    // the p95 each system reports when it pages, against the exact one of the samples it could have had then:
    // A's windows are by event time, B's histogram counts a sample when its batch is sent
    double aExact = run.aQueriedAt() < 0 ? Double.NaN
        : ExactRule.quantile(ledger.knownBy(run.aQueriedAt()), run.aQueriedAt(), RANGE_MS, 0.95);
    double bP95 = bFirst < 0 ? Double.NaN : prometheusQuantile(prometheusUrl, bFirst);
    double bExact = bFirst < 0 ? Double.NaN : ExactRule.quantile(bySend, bFirst, RANGE_MS, 0.95);
    double aError = 100 * Math.abs(run.aP95() - aExact) / aExact;
    double bError = 100 * Math.abs(bP95 - bExact) / bExact;
    r.append(String.format(Locale.ROOT, "%-36s %17.1f ms %17.1f ms%n", "p95 reported when paged", run.aP95(), bP95));
    r.append(String.format(Locale.ROOT, "%-36s %17.1f ms %17.1f ms%n", "exact p95 then", aExact, bExact));
    r.append(String.format(Locale.ROOT, "%-36s %18.2f %% %18.2f %%%n", "relative error", aError, bError));

    r.append("\ntargets:\n");
    boolean both = aLatency != Long.MIN_VALUE && bLatency != Long.MIN_VALUE;
    r.append(verdict("latency rule: A hold -> webhook < 2 s", aLatency != Long.MIN_VALUE && aLatency < 2_000,
        ms(aLatency)));
    r.append(verdict("latency rule: A <= 1/10 of B", both && aLatency * 10 <= bLatency,
        both ? String.format(Locale.ROOT, "A/B = %.3f", (double) Math.max(aLatency, 0) / bLatency) : "n/a"));
    r.append(verdict("p95 error of A <= 1 %", aError <= 1.0, String.format(Locale.ROOT, "%.2f %%", aError)));

    double seconds = run.seconds();
    SessionLoad.Settings load = cfg.load();
    r.append(String.format(Locale.ROOT, "%nload over the measured %.0f s (from the first turn to the last webhook):%n",
        seconds));
    r.append(String.format(Locale.ROOT, "client events accepted %.0f/s of %.0f/s scheduled (%.2f); telemetry "
            + "batches %.1f/s of %.1f/s (%.2f); samples accepted %.0f/s of %.0f/s (%.2f), %d rejected, %d dropped "
            + "by clients' buffers%n",
        stats.eventsAccepted.sum() / seconds, load.eventsPerSecond(), stats.eventsAccepted.sum() / seconds
            / load.eventsPerSecond(),
        stats.succeeded(LoadStats.Kind.TELEMETRY) / seconds, load.batchesPerSecond(),
        stats.succeeded(LoadStats.Kind.TELEMETRY) / seconds / load.batchesPerSecond(),
        stats.samplesAccepted.sum() / seconds, load.samplesPerSecond(),
        stats.samplesAccepted.sum() / seconds / load.samplesPerSecond(), stats.samplesRejected.sum(),
        stats.samplesDroppedByClient.sum()));
    r.append(String.format(Locale.ROOT, "answers 429: %d, 503: %d, other 5xx: %d, connection errors or timeouts: %d; "
            + "rotations answered failed by the suite: %d (the benchmark's own included)%n",
        stats.withStatus(429), stats.withStatus(503), other5xx(stats), stats.connectionErrors(),
        ledger.rotationFailures()));
    r.append("(ok counts a request's final 2xx; retries and every attempt's status are counted apart; the session-"
        + "service and telemetry rows include the ramp's first requests)\n");
    r.append(stats.table(seconds));
    if (!stats.rejections().isEmpty()) {
      r.append("samples rejected by metrics-service, by reason: ").append(stats.rejections()).append('\n');
    }
    r.append("sessions by phase in session-service's view at the end: ").append(phases).append('\n');
    stats.examples().forEach((what, body) -> r.append("  first ").append(what).append(": ").append(body)
        .append('\n'));

    r.append(String.format(Locale.ROOT, "%nCPU over the measured %.0f s (user + system, /proc/<pid>/stat):%n", seconds));
    r.append(String.format(Locale.ROOT, "%-32s %10s %8s %26s%n", "process", "CPU s", "cores", "cores per 1,000 sessions"));
    Map<String, Long> perService = new LinkedHashMap<>();
    cpuUsed.forEach((name, ms) -> {
      r.append(String.format(Locale.ROOT, "%-32s %10s %8s %26s%n", name, cpu(ms, 1), cpu(ms, seconds),
          cpu(ms, seconds * cfg.sessions() / 1000.0)));
      for (String service : ScaledSuite.SERVICES) {
        if (name.startsWith(service + "-") && ms >= 0) {
          perService.merge(service, ms, Long::sum);
        }
      }
    });
    perService.forEach((service, ms) -> r.append(String.format(Locale.ROOT, "%-32s %10s %8s %26s%n",
        service + " (all instances)", cpu(ms, 1), cpu(ms, seconds), cpu(ms, seconds * cfg.sessions() / 1000.0))));
    return r.toString();
  }

  private static long other5xx(LoadStats stats) {
    long n = 0;
    for (int s = 500; s < 600; s++) {
      if (s != 503) {
        n += stats.withStatus(s);
      }
    }
    return n;
  }

  private static String cpu(long ms, double divisor) {
    return ms < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", ms / 1000.0 / divisor);
  }

  private static String verdict(String target, boolean met, String measured) {
    return String.format(Locale.ROOT, "  %-40s %-24s %s%n", target, measured, met ? "met" : "MISSED");
  }

  private static String ms(long v) {
    return v == Long.MIN_VALUE ? "never" : v + " ms";
  }

  private static String rel(long at, long start) {
    return at < 0 ? "(never)" : String.format(Locale.ROOT, "%.1f s", (at - start) / 1000.0);
  }

  /** The first firing notice of this alert, or -1 if none came. */
  private static long firstAt(WebhookReceiver hook, String alertname) {
    return hook.matching(alertname, "firing").stream().mapToLong(WebhookReceiver.Delivery::receivedAtMs).min()
        .orElse(-1);
  }

  /** Prometheus' and Alertmanager's processes (children of their wrapper shells), by name. */
  private static Map<String, Long> systemBPids() {
    Map<String, Long> pids = new LinkedHashMap<>();
    ProcessHandle.current().descendants().forEach(p -> p.info().command().ifPresent(c -> {
      if (c.endsWith("/prometheus")) {
        pids.put("B: prometheus", p.pid());
      } else if (c.endsWith("/prometheus-alertmanager")) {
        pids.put("B: alertmanager", p.pid());
      }
    }));
    return pids;
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
  private static long activeAt(String alertingUrl, String alertname) {
    JsonObject alerts = Http.get(alertingUrl + "/v1/alerts").json();
    for (Object o : alerts.getJsonArray("alerts", new JsonArray())) {
      JsonObject a = (JsonObject) o;
      if (alertname.equals(a.getString("alertname")) && a.getString("active_at") != null) {
        return Instant.parse(a.getString("active_at")).toEpochMilli();
      }
    }
    return -1;
  }
}
