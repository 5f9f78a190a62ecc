package dev.rtvoice.e2e.outage;

import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * The fault run: the whole suite as processes, live traffic of every kind, the Kafka broker SIGKILLed
 * for longer than the services' delivery timeout and restarted on its data, then each service
 * SIGKILLed once and restarted, then {@link ExactlyOnceChecks} over every output. Shared by
 * {@link OutageIT} (a short outage, in CI) and {@link OutageFaultTest} (a two-minute one, by hand).
 */
final class OutageScenario {
  static final List<String> SERVICES = List.of("token-service", "session-service", "metrics-service",
      "alerting-service");
  static final String INJECTED_ALERT = "SessionRotationFailed";
  /** A request held longer than this before any answer kept its client waiting. */
  static final long LONGEST_ACCEPTABLE_HOLD_MS = 10_000;
  private static final Duration PATIENCE = Duration.ofMinutes(10);
  /** metrics-service's pinned instance id, kept across its SIGKILL and restart. */
  static final String METRICS_INSTANCE_ID = "metrics-outage-0";

  private final OutagePlan plan;
  private final OutageReport report = new OutageReport();
  private long brokerKilledAtMs;

  OutageScenario(OutagePlan plan) {
    this.plan = plan;
  }

  /** The suite as this run needs it: shipped windows, a broker that can be killed, the plan's timeout. */
  static Suite.Options options(OutagePlan plan) {
    Suite.Options options = new Suite.Options(Map.of(),
        Map.of("ALERT_GROUP_WAIT", "0s", "ALERT_GROUP_INTERVAL", "1s"), "/e2e-rules.yaml")
        .withRestartableBroker()
        // the twin comparison judges delivery, not the session clock: an interrupt whose
        // acknowledgement is held up by the outage must not time out in one session and not its twin
        .withServiceEnv("session-service", Map.of("CANCEL_ACK_TIMEOUT", "10m"))
        // pinned, as a StatefulSet's pod name would be: the restarted incarnation publishes under the
        // same instance id, so its pane versions must go on above those of its former life
        .withServiceEnv("metrics-service", Map.of("INSTANCE_ID", METRICS_INSTANCE_ID));
    if (plan.deliveryTimeout() != null) {
      for (String service : SERVICES) {
        options = options.withServiceEnv(service,
            Map.of("KAFKA_DELIVERY_TIMEOUT", plan.deliveryTimeout().toSeconds() + "s"));
      }
    }
    return options;
  }

  OutageReport run() throws Exception {
    long t0 = System.nanoTime();
    report.figure("plan", plan.describe());
    try (Suite suite = Suite.start(options(plan))) {
      report.figure("suite start to every /health/ready", ms(System.nanoTime() - t0));
      run(suite);
      Files.writeString(suite.workDir.resolve("outage-report.txt"), report.render());
    }
    return report;
  }

  private void run(Suite suite) throws Exception {
    RetryingClient tokens = new RetryingClient(PATIENCE);
    RetryingClient sessionsClient = new RetryingClient(PATIENCE);
    RetryingClient metrics = new RetryingClient(PATIENCE);
    List<Issued> answered201 = new ArrayList<>();

    List<LiveSession> sessions = new ArrayList<>();
    List<Issued> twins = new ArrayList<>();
    for (int i = 0; i < plan.sessions(); i++) {
      Issued live = Issued.require(suite, tokens, "outage-user-" + i, "outage-device-" + i);
      Issued twin = Issued.require(suite, tokens, "outage-twin-" + i, "outage-twin-device-" + i);
      answered201.add(live);
      answered201.add(twin);
      sessions.add(new LiveSession("session-" + i, live, suite, sessionsClient, plan.interruptEvery()));
      twins.add(twin);
    }
    List<TelemetrySender> senders = new ArrayList<>();
    for (int i = 0; i < plan.telemetrySenders(); i++) {
      Issued s = Issued.require(suite, tokens, "outage-telemetry-" + i, "outage-telemetry-device-" + i);
      answered201.add(s);
      senders.add(new TelemetrySender(suite, metrics, s, 42 + i));
    }
    injectRotationFailure(suite, tokens, answered201);

    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newCachedThreadPool();
    ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    List<Future<?>> loops = new ArrayList<>();
    Issuer issuer = new Issuer(suite, tokens, plan.issueEvery().toMillis());
    try {
      for (int i = 0; i < sessions.size(); i++) {
        LiveSession s = sessions.get(i);
        long delay = (1000L * i) / sessions.size(); // spread over the second
        loops.add(pool.submit(() -> s.live(running::get, delay)));
      }
      for (TelemetrySender s : senders) {
        ticks.scheduleAtFixedRate(s::recordTurn, 0, 1, TimeUnit.SECONDS);
        loops.add(pool.submit(() -> s.send(running::get)));
      }
      loops.add(pool.submit(() -> issuer.run(running::get)));

      RetryingClient.sleep(plan.warmup().toMillis());
      brokerOutage(suite);
      RetryingClient.sleep(plan.between().toMillis());
      for (String service : SERVICES) {
        long killed = System.nanoTime();
        suite.kill(service);
        suite.startAgain(service);
        report.figure(service + " SIGKILL -> restarted and ready", ms(System.nanoTime() - killed));
        RetryingClient.sleep(plan.between().toMillis());
      }
      RetryingClient.sleep(plan.tail().toMillis());
    } finally {
      running.set(false);
      ticks.shutdownNow();
      long stopDeadline = System.nanoTime() + PATIENCE.toNanos();
      for (Future<?> loop : loops) {
        loop.get(Math.max(1, stopDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    }
    answered201.addAll(issuer.issued());
    volumes(sessions, senders, issuer, tokens, sessionsClient, metrics);

    // the outputs of the live traffic first: the twins' replay below carries event times of minutes
    // ago on purpose, which metrics-service rightly treats as the client's lateness
    ExactlyOnceChecks checks = new ExactlyOnceChecks(suite, report, brokerKilledAtMs);
    long settleUntil = System.nanoTime() + ExactlyOnceChecks.SETTLE.toNanos();
    checks.telemetry(senders, settleUntil);
    Set<String> sessionIds = sessions.stream().map(s -> s.issued.sessionId()).collect(Collectors.toSet());
    checks.inference(sessions.stream().mapToLong(LiveSession::turnsAcknowledged).sum(), sessionIds, settleUntil);
    checks.counters(settleUntil);
    checks.metricsDiagnostics();
    checks.tokens(answered201);

    long replayStarted = System.nanoTime();
    List<String> twinFailures = replayOnTwins(suite, sessions, twins, pool);
    pool.shutdown();
    report.figure("control replay on the twins", ms(System.nanoTime() - replayStarted));
    report.check(new OutageReport.Check("twin requests refused (control replay)", 0, twinFailures.size(), 0, 0,
        twinFailures.isEmpty() ? "" : twinFailures.get(0)));
    checks.sessions(sessions, twins, System.nanoTime() + ExactlyOnceChecks.SETTLE.toNanos());
    checks.alerts(INJECTED_ALERT);
    holds(tokens, sessionsClient, metrics);
  }

  /** SIGKILL of the broker, held down for the plan's outage, restarted on its data; then who recovers when. */
  private void brokerOutage(Suite suite) {
    long killed = System.nanoTime();
    brokerKilledAtMs = System.currentTimeMillis();
    suite.killBroker();
    RetryingClient.sleep(plan.outage().toMillis());
    long restarting = System.nanoTime();
    suite.startBroker();
    long brokerReady = System.nanoTime();
    report.figure("broker outage (SIGKILL -> restart begins)", ms(restarting - killed));
    report.figure("broker restart on its data -> answering", ms(brokerReady - restarting));
    Map<String, Long> ready = new LinkedHashMap<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (ready.size() < SERVICES.size() && System.nanoTime() < deadline) {
      for (String service : SERVICES) {
        if (!ready.containsKey(service) && isReady(suite.serviceUrl(service))) {
          ready.put(service, System.nanoTime() - brokerReady);
        }
      }
      RetryingClient.sleep(100);
    }
    for (String service : SERVICES) {
      Long t = ready.get(service);
      report.figure("broker answering again -> " + service + " ready", t == null ? "not within 120 s" : ms(t));
    }
  }

  /** A failed rotation before the traffic starts: the one alert this run must page, once. */
  private void injectRotationFailure(Suite suite, RetryingClient tokens, List<Issued> answered201) {
    Issued rotator = Issued.require(suite, tokens, "outage-rotator", "outage-rotator-device");
    answered201.add(rotator);
    Http.post(suite.simUrl + "/admin/faults",
        new JsonObject().put("target", "client_secrets").put("status", 500).put("count", 20).encode());
    try {
      Http.Response failed = Http.post(suite.tokenUrl + "/v1/sessions/" + rotator.sessionId() + "/rotate",
          new JsonObject().put("rotation_token", rotator.rotationToken()).encode(),
          "Authorization", "Bearer " + suite.identity.userToken("outage-rotator", Duration.ofMinutes(10)),
          "X-Device-ID", "outage-rotator-device");
      if (failed.status() != 502) {
        throw new IllegalStateException("the injected rotation failure was answered " + failed.status() + ": "
            + failed.body());
      }
    } finally {
      Http.post(suite.simUrl + "/admin/reset", "{}");
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (suite.webhook.matching(INJECTED_ALERT, "firing").isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(INJECTED_ALERT + " did not page within 60 s of the injected failure");
      }
      RetryingClient.sleep(200);
    }
  }

  private List<String> replayOnTwins(Suite suite, List<LiveSession> sessions, List<Issued> twins,
                                     ExecutorService pool) throws Exception {
    RetryingClient client = new RetryingClient(PATIENCE);
    List<Future<List<String>>> replays = new ArrayList<>();
    for (int i = 0; i < sessions.size(); i++) {
      LiveSession s = sessions.get(i);
      Issued twin = twins.get(i);
      replays.add(pool.submit(() -> {
        List<String> failures = new ArrayList<>();
        for (SessionScript.Step step : s.acknowledged()) {
          RetryingClient.Outcome o = LiveSession.send(suite, client, twin, step);
          if (!LiveSession.taken(step, o)) {
            failures.add(twin.sessionId() + " " + step.endpoint() + " answered " + o.status() + ": " + o.body());
          }
        }
        return failures;
      }));
    }
    List<String> failures = new ArrayList<>();
    for (Future<List<String>> r : replays) {
      failures.addAll(r.get());
    }
    return failures;
  }

  private void volumes(List<LiveSession> sessions, List<TelemetrySender> senders, Issuer issuer,
                       RetryingClient tokens, RetryingClient sessionsClient, RetryingClient metrics) {
    report.figure("session requests acknowledged (events batches + interrupts)",
        sessions.stream().mapToLong(s -> s.acknowledged().size()).sum());
    report.figure("client events answered 202", sessions.stream().mapToLong(LiveSession::highestAcknowledgedSeq).sum());
    report.figure("interrupts answered", sessions.stream().mapToLong(LiveSession::interruptsAcknowledged).sum());
    report.figure("telemetry batches answered", senders.stream().mapToLong(TelemetrySender::batches).sum());
    Map<String, Long> rejected = new java.util.TreeMap<>();
    senders.forEach(s -> s.rejectedByReason().forEach((k, v) -> rejected.merge(k, v, Long::sum)));
    report.figure("telemetry samples rejected in 200 answers, by reason", rejected);
    report.figure("telemetry samples dropped by the clients' full buffers",
        senders.stream().mapToLong(TelemetrySender::droppedByClient).sum());
    report.figure("issuances answered 201 during the run", issuer.issued().size());
    report.figure("issuances not answered 201", issuer.failures().size());
    for (Map.Entry<String, RetryingClient> c : Map.of("token-service", tokens, "session-service", sessionsClient,
        "metrics-service", metrics).entrySet()) {
      report.figure("client retries / 503 answers / timeouts, " + c.getKey(),
          c.getValue().retries() + " / " + c.getValue().unavailableAnswers() + " / " + c.getValue().timeouts());
    }
  }

  /** Nobody kept waiting: every service answered each attempt (a 503 included) within a few seconds. */
  private void holds(RetryingClient tokens, RetryingClient sessionsClient, RetryingClient metrics) {
    Map<String, Long> held = new LinkedHashMap<>();
    held.put("token-service", tokens.longestHeldMs());
    held.put("session-service", sessionsClient.longestHeldMs());
    held.put("metrics-service", metrics.longestHeldMs());
    long over = held.values().stream().filter(ms -> ms > LONGEST_ACCEPTABLE_HOLD_MS).count();
    report.check(new OutageReport.Check("services that held a request over " + LONGEST_ACCEPTABLE_HOLD_MS / 1000
        + " s", 0, over, 0, 0, "longest hold in ms " + held));
  }

  private static boolean isReady(String url) {
    try {
      return Http.get(url + "/health/ready").status() == 200;
    } catch (RuntimeException e) {
      return false;
    }
  }

  static String ms(long nanos) {
    return String.format("%,d ms", nanos / 1_000_000);
  }
}
