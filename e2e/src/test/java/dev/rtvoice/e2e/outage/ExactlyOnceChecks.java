package dev.rtvoice.e2e.outage;

import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.harness.Suite;
import dev.rtvoice.e2e.harness.TopicReader;
import dev.rtvoice.e2e.harness.WebhookReceiver;
import dev.rtvoice.e2e.outage.OutageReport.Check;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Exactly once, output by output, against what the clients were answered (or, for what the suite
 * derives itself, against the source events on Kafka, each {@code event_id} once):
 * <ul>
 *   <li>session-service: each session's state equals its twin's (the same acknowledged requests sent
 *   after the faults, uninterrupted), its last applied seq is the last one answered 202, and its
 *   derived events (distinct {@code event_id}s, by type) are its twin's;</li>
 *   <li>metrics-service: per stage, the samples in the merged windows and in the 1 h budget view are
 *   the samples answered 200; the inference samples session-service derived, and the counters of
 *   token and session events, are in the windows once each;</li>
 *   <li>token-service: every 201 has exactly one {@code token.issued};</li>
 *   <li>alerting-service: no notice delivered twice to the webhook, no transition twice on
 *   {@code realtime.alerts}.</li>
 * </ul>
 * Outputs that cross Kafka converge: each comparison is polled until it holds or {@link #SETTLE}
 * passes, and the last figures are reported either way.
 */
final class ExactlyOnceChecks {
  static final Duration SETTLE = Duration.ofSeconds(60);
  /** metrics-service's shipped WINDOW_ALLOWED_LATENESS, which this run keeps. */
  private static final long SHIPPED_LATENESS_MS = 30_000;

  private final Suite suite;
  private final TopicReader topics;
  private final OutageReport report;

  private final long brokerKilledAtMs;

  ExactlyOnceChecks(Suite suite, OutageReport report, long brokerKilledAtMs) {
    this.suite = suite;
    this.topics = new TopicReader(suite.bootstrapServers);
    this.report = report;
    this.brokerKilledAtMs = brokerKilledAtMs;
  }

  // ---- session-service ----

  void sessions(List<LiveSession> sessions, List<Issued> twins, long settleUntilNanos) {
    int n = sessions.size();
    List<String> differences = new ArrayList<>();
    int equal = 0;
    long lostEvents = 0;
    for (int i = 0; i < n; i++) {
      LiveSession s = sessions.get(i);
      Issued twin = twins.get(i);
      JsonObject[] last = new JsonObject[2];
      awaitQuietly(() -> {
        last[0] = state(s.issued);
        last[1] = state(twin);
        return last[0] != null && last[1] != null && comparable(last[0]).equals(comparable(last[1]));
      }, settleUntilNanos);
      if (last[0] != null && last[1] != null && comparable(last[0]).equals(comparable(last[1]))) {
        equal++;
      } else if (differences.size() < 3) {
        differences.add(s.issued.sessionId() + " " + difference(last[0], last[1]));
      }
      long applied = last[0] == null ? 0 : last[0].getLong("last_ack_seq", 0L);
      lostEvents += Math.max(0, s.highestAcknowledgedSeq() - applied);
    }
    report.check(new Check("session states equal to their twin's", n, equal, 0, 0, String.join("; ", differences)));
    long acknowledged = sessions.stream().mapToLong(LiveSession::highestAcknowledgedSeq).sum();
    report.check(new Check("client events answered 202, applied (last_ack_seq)", acknowledged,
        acknowledged - lostEvents, lostEvents, 0, ""));

    List<JsonObject> derived = topics.events(suite.topic("realtime.session.events"), e -> true);
    Map<String, Map<String, Set<String>>> bySession = idsByTypePerSession(derived);
    long expected = 0;
    long actual = 0;
    long lost = 0;
    long doubled = 0;
    Map<String, Long> diffByType = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Map<String, Set<String>> crashed = bySession.getOrDefault(sessions.get(i).issued.sessionId(), Map.of());
      Map<String, Set<String>> control = bySession.getOrDefault(twins.get(i).sessionId(), Map.of());
      Set<String> types = new HashSet<>(crashed.keySet());
      types.addAll(control.keySet());
      for (String type : types) {
        long c = crashed.getOrDefault(type, Set.of()).size();
        long t = control.getOrDefault(type, Set.of()).size();
        expected += t;
        actual += c;
        lost += Math.max(0, t - c);
        doubled += Math.max(0, c - t);
        if (c != t) {
          diffByType.merge(type, c - t, Long::sum);
        }
      }
    }
    report.check(new Check("derived session events (distinct event_id) vs twins", expected, actual, lost, doubled,
        diffByType.isEmpty() ? "" : "crashed minus twin by type " + diffByType));

    Set<String> crashedIds = sessions.stream().map(s -> s.issued.sessionId()).collect(Collectors.toSet());
    long interruptsAnswered = sessions.stream().mapToLong(LiveSession::interruptsAcknowledged).sum();
    long interruptsOnKafka = derived.stream().filter(e -> "session.interrupted".equals(e.getString("type"))
        && crashedIds.contains(e.getString("session_id"))).map(e -> e.getString("event_id")).distinct().count();
    report.check(Check.count("session.interrupted on Kafka vs interrupts answered", interruptsAnswered,
        interruptsOnKafka, ""));
    List<String> failures = sessions.stream().flatMap(s -> s.failures().stream()).toList();
    report.check(new Check("session requests refused for good or given up", 0, failures.size(), 0, 0,
        failures.isEmpty() ? "" : failures.get(0)));
  }

  // ---- metrics-service ----

  void telemetry(List<TelemetrySender> senders, long settleUntilNanos) {
    Map<String, Long> answered = new TreeMap<>();
    senders.forEach(s -> s.acceptedByStage().forEach((k, v) -> answered.merge(k, v, Long::sum)));
    Map<String, Long>[] inWindows = new Map[1];
    Map<String, Long>[] inView = new Map[1];
    awaitQuietly(() -> {
      MergedWindows windows = windows();
      inWindows[0] = new TreeMap<>();
      for (String stage : TelemetrySender.STAGES) {
        inWindows[0].put(stage, windows.total("latency." + stage,
            l -> TelemetrySender.PLATFORM.equals(l.getString("platform"))));
      }
      inView[0] = budgetCounts();
      return TelemetrySender.STAGES.stream().allMatch(stage -> answered.getOrDefault(stage, 0L)
          .equals(inWindows[0].get(stage)) && answered.getOrDefault(stage, 0L).equals(inView[0].get(stage)));
    }, settleUntilNanos);
    long expected = answered.values().stream().mapToLong(Long::longValue).sum();
    report.check(perStage("telemetry samples answered 200 vs windows (counted)", answered, inWindows[0]));
    report.check(perStage("telemetry samples answered 200 vs 1h budget view", answered, inView[0]));
    List<String> failures = senders.stream().flatMap(s -> s.failures().stream()).toList();
    report.check(new Check("telemetry batches refused for good or given up", 0, failures.size(), 0, 0,
        failures.isEmpty() ? "" : failures.get(0)));
    report.figure("telemetry samples answered 200 (all stages)", expected);
    // every sample was on time when its client first tried it: a too_late answer is a count the outage lost
    long tooLate = senders.stream().mapToLong(s -> s.rejectedByReason().getOrDefault("too_late", 0L)).sum();
    report.check(new Check("telemetry samples refused too_late after the outage", 0, tooLate, tooLate, 0, ""));
  }

  /** Inference samples session-service derived: each once on its topic, each once in the windows. */
  void inference(long turnsAcknowledged, Set<String> sessionIds, long settleUntilNanos) {
    long[] onTopic = new long[1];
    long[] inWindows = new long[1];
    String[] where = {""};
    awaitQuietly(() -> {
      List<JsonObject> samples = topics.events(suite.topic("realtime.latency.samples"), e -> sessionIds.contains(
          e.getString("session_id")) && "inference".equals(payload(e).getString("stage")));
      onTopic[0] = samples.stream().map(e -> e.getString("event_id")).distinct().count();
      MergedWindows windows = windows();
      inWindows[0] = windows.total("latency.inference");
      where[0] = inWindows[0] == onTopic[0] ? "" : bucketsOff(windows, "latency.inference", samples, null);
      return onTopic[0] == turnsAcknowledged && inWindows[0] == onTopic[0];
    }, settleUntilNanos);
    report.check(Check.count("inference samples on Kafka vs turns answered 202", turnsAcknowledged, onTopic[0], ""));
    report.check(Check.count("inference samples in the windows vs on Kafka", onTopic[0], inWindows[0], where[0]));
  }

  /** Counters of token and session events: the windows' totals against the distinct source events. */
  void counters(long settleUntilNanos) {
    Map<String, String[]> counters = new LinkedHashMap<>();
    counters.put("token_issued_total", new String[] {"realtime.token.events", "token.issued"});
    counters.put("sessions_started_total", new String[] {"realtime.session.events", "session.started"});
    counters.put("interrupt_total", new String[] {"realtime.session.events", "session.interrupted"});
    counters.put("interrupt_recovered_total", new String[] {"realtime.session.events", "session.interrupt_recovered"});
    counters.put("stale_event_total", new String[] {"realtime.session.events", "session.stale_event_ignored"});
    Map<String, long[]> last = new LinkedHashMap<>();
    Map<String, String> where = new HashMap<>();
    awaitQuietly(() -> {
      Map<String, Map<String, Set<String>>> idsByTopic = new HashMap<>();
      Map<String, List<JsonObject>> eventsByTopic = new HashMap<>();
      MergedWindows windows = windows();
      boolean all = true;
      for (Map.Entry<String, String[]> c : counters.entrySet()) {
        List<JsonObject> events = eventsByTopic.computeIfAbsent(c.getValue()[0],
            t -> topics.events(suite.topic(t), e -> true));
        Map<String, Set<String>> byType = idsByTopic.computeIfAbsent(c.getValue()[0], t -> idsByType(events));
        long truth = byType.getOrDefault(c.getValue()[1], Set.of()).size();
        long counted = windows.total(c.getKey());
        last.put(c.getKey(), new long[] {truth, counted});
        all &= truth == counted;
        if (truth != counted) {
          where.put(c.getKey(), bucketsOff(windows, c.getKey(), events, c.getValue()[1]));
        }
      }
      return all;
    }, settleUntilNanos);
    last.forEach((name, v) -> report.check(Check.count("counter " + name + " vs distinct events", v[0], v[1],
        v[0] == v[1] ? "" : where.getOrDefault(name, ""))));
  }

  /**
   * Where metrics-service says counts went, for a failed check to explain itself: its own drop
   * counters (this incarnation's), and panes whose version went back on the windows topic (an
   * instance that came back under the same {@code instance_id} and started its versions again).
   */
  void metricsDiagnostics() {
    try {
      List<String> drops = Http.get(suite.metricsUrl + "/metrics").body().lines()
          .filter(l -> !l.startsWith("#") && (l.contains("dropped_total") || l.contains("duplicate_total"))
              && !l.endsWith(" 0.0"))
          .toList();
      report.figure("metrics-service drops/duplicates since its restart", drops.isEmpty() ? "none" : drops);
    } catch (RuntimeException e) {
      report.figure("metrics-service drops/duplicates since its restart", "unreadable: " + e.getMessage());
    }
    // a pane sequence going back would make readers keep a former incarnation's older panes
    Map<String, Long> regressions =
        MergedWindows.versionRegressions(topics.events(suite.topic("realtime.metrics.windows"), e -> true));
    long regressed = regressions.values().stream().mapToLong(Long::longValue).sum();
    report.check(new Check("windows pane sequences whose pane_version went back", 0, regressed, 0, 0,
        regressions.isEmpty() ? "" : regressions.toString()));
  }

  // ---- token-service ----

  void tokens(List<Issued> answered201) {
    Map<String, Set<String>> issuedIds = new HashMap<>();
    for (JsonObject e : topics.events(suite.topic("realtime.token.events"), e -> "token.issued".equals(
        e.getString("type")))) {
      issuedIds.computeIfAbsent(e.getString("session_id"), k -> new HashSet<>()).add(e.getString("event_id"));
    }
    long withEvent = 0;
    long doubled = 0;
    List<String> missing = new ArrayList<>();
    Set<String> answeredIds = new HashSet<>();
    for (Issued i : answered201) {
      answeredIds.add(i.sessionId());
      Set<String> ids = issuedIds.getOrDefault(i.sessionId(), Set.of());
      if (ids.isEmpty()) {
        if (missing.size() < 3) {
          missing.add(i.sessionId());
        }
      } else {
        withEvent++;
        doubled += ids.size() - 1;
      }
    }
    long lost = answered201.size() - withEvent;
    report.check(new Check("201 answers with their token.issued", answered201.size(), withEvent, lost, doubled,
        missing.isEmpty() ? "" : "e.g. no event for " + missing));
    long orphans = issuedIds.keySet().stream().filter(id -> !answeredIds.contains(id)).count();
    report.figure("token.issued without a 201 seen by a client (answer lost, client retried)", orphans);
  }

  // ---- alerting-service ----

  void alerts(String expectedAlert) {
    List<WebhookReceiver.Delivery> deliveries = suite.webhook.deliveries();
    Map<String, List<String>> contentsByGroup = new HashMap<>();
    long duplicates = 0;
    long firings = 0;
    for (WebhookReceiver.Delivery d : deliveries) {
      String group = d.payload().getString("groupKey", "");
      List<String> content = d.payload().getJsonArray("alerts", new JsonArray()).stream().map(JsonObject.class::cast)
          .map(a -> a.getString("fingerprint") + "/" + a.getString("status") + "/" + a.getString("startsAt"))
          .sorted().toList();
      String key = String.join(",", content);
      List<String> seen = contentsByGroup.computeIfAbsent(group, g -> new ArrayList<>());
      if (seen.contains(key)) {
        duplicates++;
      }
      seen.add(key);
      firings += d.payload().getJsonArray("alerts", new JsonArray()).stream().map(JsonObject.class::cast)
          .filter(a -> "firing".equals(a.getString("status"))
              && expectedAlert.equals(a.getJsonObject("labels", new JsonObject()).getString("alertname"))).count();
    }
    report.check(new Check("webhook notices delivered twice", 0, duplicates, 0, duplicates, deliveries.size()
        + " deliveries"));
    report.check(Check.count(expectedAlert + " firing notices at the webhook", 1, firings, "injected once"));

    Map<String, Set<String>> transitions = new HashMap<>();
    for (JsonObject e : topics.events(suite.topic("realtime.alerts"), e -> true)) {
      JsonObject p = payload(e);
      transitions.computeIfAbsent(p.getString("fingerprint") + "/" + p.getString("status") + "/"
          + p.getValue("starts_at_ms"), k -> new HashSet<>()).add(e.getString("event_id"));
    }
    long twice = transitions.values().stream().mapToLong(ids -> ids.size() - 1).sum();
    report.check(new Check("alert transitions on realtime.alerts twice", 0, twice, 0, twice,
        transitions.size() + " transitions"));
  }

  // ---- helpers ----

  private JsonObject state(Issued session) {
    try {
      Http.Response r = Http.get(suite.sessionUrl + "/v1/sessions/" + session.sessionId(),
          "Authorization", "Bearer " + session.rotationToken());
      return r.status() == 200 ? r.json() : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private MergedWindows windows() {
    return new MergedWindows(topics.events(suite.topic("realtime.metrics.windows"), e -> true));
  }

  private Map<String, Long> budgetCounts() {
    Map<String, Long> out = new TreeMap<>();
    try {
      JsonObject stages = Http.get(suite.metricsUrl + "/v1/latency/budget?window=1h").json().getJsonObject("stages");
      for (String stage : TelemetrySender.STAGES) {
        out.put(stage, stages.getJsonObject(stage, new JsonObject()).getLong("count", 0L));
      }
    } catch (RuntimeException e) {
      TelemetrySender.STAGES.forEach(s -> out.put(s, -1L));
    }
    return out;
  }

  /**
   * The buckets where a counter differs from its distinct source events (by their event time), as
   * seconds from the broker's SIGKILL: where a loss happened tells which fault caused it.
   */
  private String bucketsOff(MergedWindows windows, String metric, List<JsonObject> events, String typeOrNull) {
    long bucket = windows.bucketMs();
    if (bucket <= 0) {
      return "";
    }
    Map<Long, Set<String>> truth = new TreeMap<>();
    Map<Long, Set<String>> recordedLate = new TreeMap<>();
    for (JsonObject e : events) {
      if (typeOrNull == null || typeOrNull.equals(e.getString("type"))) {
        long at = java.time.Instant.parse(e.getString("occurred_at")).toEpochMilli();
        long recorded = java.time.Instant.parse(e.getString("recorded_at")).toEpochMilli();
        long b = Math.floorDiv(at, bucket) * bucket;
        truth.computeIfAbsent(b, k -> new HashSet<>()).add(e.getString("event_id"));
        if (recorded - at > SHIPPED_LATENESS_MS) {
          recordedLate.computeIfAbsent(b, k -> new HashSet<>()).add(e.getString("event_id"));
        }
      }
    }
    Map<Long, Long> counted = windows.totalsByBucket(metric);
    Set<Long> buckets = new java.util.TreeSet<>(truth.keySet());
    buckets.addAll(counted.keySet());
    List<String> off = new ArrayList<>();
    for (long b : buckets) {
      long t = truth.getOrDefault(b, Set.of()).size();
      long c = counted.getOrDefault(b, 0L);
      if (t != c) {
        off.add(String.format("%+ds: %d of %d (%d of them recorded over %d s after their event time)",
            (b - brokerKilledAtMs) / 1000, c, t, recordedLate.getOrDefault(b, Set.of()).size(),
            SHIPPED_LATENESS_MS / 1000));
      }
    }
    return "counted of events per " + bucket / 1000 + " s bucket, from the broker's SIGKILL: "
        + String.join(", ", off.subList(0, Math.min(8, off.size())));
  }

  private static Map<String, Set<String>> idsByType(List<JsonObject> events) {
    Map<String, Set<String>> out = new HashMap<>();
    for (JsonObject e : events) {
      out.computeIfAbsent(e.getString("type"), k -> new HashSet<>()).add(e.getString("event_id"));
    }
    return out;
  }

  private static Map<String, Map<String, Set<String>>> idsByTypePerSession(List<JsonObject> events) {
    Map<String, Map<String, Set<String>>> out = new HashMap<>();
    for (JsonObject e : events) {
      out.computeIfAbsent(e.getString("session_id"), k -> new HashMap<>())
          .computeIfAbsent(e.getString("type"), k -> new HashSet<>()).add(e.getString("event_id"));
    }
    return out;
  }

  private static Check perStage(String name, Map<String, Long> answered, Map<String, Long> counted) {
    long expected = 0;
    long actual = 0;
    long lost = 0;
    long doubled = 0;
    for (String stage : TelemetrySender.STAGES) {
      long a = answered.getOrDefault(stage, 0L);
      long c = counted == null ? 0 : counted.getOrDefault(stage, 0L);
      expected += a;
      actual += c;
      lost += Math.max(0, a - c);
      doubled += Math.max(0, c - a);
    }
    return new Check(name, expected, actual, lost, doubled, counted == null ? "" : "per stage " + counted);
  }

  private static JsonObject payload(JsonObject event) {
    return event.getJsonObject("payload", new JsonObject());
  }

  /**
   * A session's state without what differs between a session and its twin by construction: ids,
   * tokens and secret expiry, server wall-clock times, offsets, and the count of duplicates (a
   * client's retry of a request whose first attempt had already been written is recognised by seq
   * and counted there; its twin never had to retry).
   */
  static Map<String, Object> comparable(JsonObject state) {
    Map<String, Object> m = new TreeMap<>();
    for (String key : state.fieldNames()) {
      Object v = state.getValue(key);
      if (key.contains("session_id") || key.contains("user") || key.contains("device") || key.endsWith("_at")
          || key.contains("updated") || key.contains("recorded") || key.contains("wall") || key.contains("expires")
          || key.contains("offset") || key.contains("version") || key.equals("duplicates")) {
        continue;
      }
      m.put(key, v instanceof JsonObject o ? comparable(o) : v);
    }
    return m;
  }

  private static String difference(JsonObject crashed, JsonObject twin) {
    if (crashed == null || twin == null) {
      return crashed == null ? "has no state" : "its twin has no state";
    }
    Map<String, Object> a = flatten("", comparable(crashed));
    Map<String, Object> b = flatten("", comparable(twin));
    List<String> out = new ArrayList<>();
    Set<String> keys = new java.util.TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    for (String k : keys) {
      if (!java.util.Objects.equals(a.get(k), b.get(k))) {
        out.add(k + ": " + a.get(k) + " vs twin " + b.get(k));
      }
    }
    return String.join(", ", out.subList(0, Math.min(4, out.size())));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> flatten(String prefix, Map<String, Object> m) {
    Map<String, Object> out = new TreeMap<>();
    m.forEach((k, v) -> {
      if (v instanceof Map<?, ?> inner) {
        out.putAll(flatten(prefix + k + ".", (Map<String, Object>) inner));
      } else {
        out.put(prefix + k, v);
      }
    });
    return out;
  }

  private static void awaitQuietly(Supplier<Boolean> condition, long untilNanos) {
    while (!condition.get() && System.nanoTime() < untilNanos) {
      RetryingClient.sleep(500);
    }
  }
}
