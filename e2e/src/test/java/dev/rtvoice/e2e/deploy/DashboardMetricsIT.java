package dev.rtvoice.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The suite as processes, driven through the README's walk-through; then every metric the Grafana
 * dashboard and the Prometheus rules query must be on the live {@code /metrics} of the service their
 * query names ({@code service="..."}), or of one of the four when it names none.
 */
class DashboardMetricsIT {
  /** Series Prometheus makes itself, not a service. */
  static final Set<String> PROMETHEUS_OWN = Set.of("up");
  private static final Pattern SERVICE = Pattern.compile("service=\"([a-z-]+)\"");

  static Suite suite;

  @BeforeAll
  static void start() throws Exception {
    suite = Suite.start(Suite.Options.scenario());
  }

  @AfterAll
  static void stop() throws Exception {
    if (suite != null) {
      suite.close();
    }
  }

  @Test
  void theWalkThroughWorksAndEveryQueriedMetricIsExposed() {
    WalkThrough walk = new WalkThrough(suite);
    JsonObject issued = walk.issue();
    assertThat(issued.getString("rotation_token")).startsWith("rt1.");
    walk.deniedWithoutUserToken();
    walk.reportTurn();
    JsonObject interrupted = walk.interrupt();
    assertThat(interrupted.getString("interrupt_id")).isEqualTo("int_walkthrough");
    JsonObject plan = walk.recover();
    assertThat(plan.getJsonObject("plan").getString("class")).isEqualTo("session");
    walk.postLatency();
    walk.failRotation();

    JsonObject alert = await("SessionRotationFailed firing", () -> walk.firingAlert("SessionRotationFailed"));
    assertThat(alert.getJsonObject("labels").getString("severity")).isEqualTo("page");
    JsonObject budget = await("first_audio in the budget report", () -> {
      JsonObject b = walk.budget();
      return b.getJsonObject("stages").getJsonObject("first_audio").getLong("count", 0L) > 0 ? b : null;
    });
    assertThat(budget.getString("first_audio_verdict")).isEqualTo("within");

    Map<String, Set<String>> wanted = wantedByService();
    Map<String, Set<String>> missing = await("every queried metric on /metrics", () -> {
      Map<String, Set<String>> exposed = exposedByService();
      Map<String, Set<String>> absent = new TreeMap<>();
      wanted.forEach((service, names) -> {
        Set<String> pool = service.equals("any")
            ? exposed.values().stream().flatMap(Set::stream).collect(java.util.stream.Collectors.toSet())
            : exposed.getOrDefault(service, Set.of());
        names.stream().filter(n -> !pool.contains(n)).forEach(n -> absent.computeIfAbsent(service, s -> new TreeSet<>()).add(n));
      });
      return absent.isEmpty() ? absent : null;
    }, () -> "still missing: " + missingNow(wanted));
    assertThat(missing).isEmpty();
  }

  /** Metric names of every dashboard query and rule expression, by the service the query names. */
  static Map<String, Set<String>> wantedByService() {
    Map<String, Set<String>> wanted = new TreeMap<>();
    List<String> exprs = new java.util.ArrayList<>(OperatorFiles.dashboardQueries().stream().map(Map.Entry::getValue).toList());
    OperatorFiles.prometheusRules().values().forEach(r -> exprs.add((String) r.get("expr")));
    for (String expr : exprs) {
      Matcher m = SERVICE.matcher(expr);
      String service = m.find() ? m.group(1) : "any";
      for (String name : PromQl.metricNames(expr)) {
        if (!PROMETHEUS_OWN.contains(name)) {
          wanted.computeIfAbsent(service, s -> new TreeSet<>()).add(name);
        }
      }
    }
    assertThat(wanted.values().stream().mapToInt(Set::size).sum()).as("metric names found in %s", wanted)
        .isGreaterThan(20);
    return wanted;
  }

  static Map<String, Set<String>> exposedByService() {
    Map<String, Set<String>> exposed = new LinkedHashMap<>();
    Map<String, String> urls = Map.of("token-service", suite.tokenUrl, "session-service", suite.sessionUrl,
        "metrics-service", suite.metricsUrl, "alerting-service", suite.alertingUrl);
    urls.forEach((service, url) -> {
      Http.Response r = Http.get(url + "/metrics");
      assertThat(r.status()).as("%s /metrics", service).isEqualTo(200);
      Set<String> names = new TreeSet<>();
      r.body().lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
          .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
      exposed.put(service, names);
    });
    return exposed;
  }

  private static String missingNow(Map<String, Set<String>> wanted) {
    Map<String, Set<String>> exposed = exposedByService();
    Set<String> all = new TreeSet<>();
    exposed.values().forEach(all::addAll);
    Map<String, Set<String>> absent = new TreeMap<>();
    wanted.forEach((service, names) -> names.stream()
        .filter(n -> !(service.equals("any") ? all : exposed.getOrDefault(service, Set.of())).contains(n))
        .forEach(n -> absent.computeIfAbsent(service, s -> new TreeSet<>()).add(n)));
    return absent.toString();
  }

  private static <T> T await(String what, java.util.function.Supplier<T> probe) {
    return await(what, probe, () -> "");
  }

  private static <T> T await(String what, java.util.function.Supplier<T> probe,
                             java.util.function.Supplier<String> detail) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      T value = probe.get();
      if (value != null) {
        return value;
      }
      WalkThrough.sleep(500);
    }
    throw new AssertionError("no " + what + " within 60 s " + detail.get());
  }
}
