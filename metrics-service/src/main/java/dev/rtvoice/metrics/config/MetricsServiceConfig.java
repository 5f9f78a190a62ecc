package dev.rtvoice.metrics.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.metrics.domain.BudgetRange;
import dev.rtvoice.metrics.domain.CounterCatalog;
import dev.rtvoice.metrics.domain.LatencyBudgets;
import dev.rtvoice.metrics.domain.Stage;
import dev.rtvoice.metrics.domain.ViewWindow;
import dev.rtvoice.metrics.domain.WindowSettings;
import java.net.InetAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings of metrics-service, from the environment (every variable, its default and meaning are
 * listed in the module's README).
 *
 * @param devMode {@code DEV_MODE}: accept the dev rotation-token key when none is configured
 * @param instanceId {@code INSTANCE_ID}: names this instance in its panes
 * @param windows bucket length, lateness, label caps ({@code WINDOW_*}, {@code LATENCY_PLATFORM*},
 *     {@code COUNTER_LABEL_LIMIT}, {@code IMMEDIATE_COUNTERS})
 * @param paneInterval {@code PANE_INTERVAL}: cadence of early panes of open buckets (when changed)
 * @param durableFlushInterval {@code DURABLE_FLUSH_INTERVAL}: while accepted samples or consumed
 *     events wait to be durable, panes are published at most this often
 * @param ingest {@code TELEMETRY_INGEST}: how accepted HTTP samples reach the windows
 * @param maxBatch {@code TELEMETRY_MAX_BATCH}: samples per POST
 * @param maxPending {@code TELEMETRY_MAX_PENDING}: batches waiting to be durable before 503
 * @param budgets {@code BUDGET_<STAGE>} and {@code BUDGET_QUANTILE}
 * @param p95GaugeWindow {@code P95_GAUGE_WINDOW}: the view behind the p95 gauges
 * @param dedupeEventIds {@code DEDUPE_EVENT_IDS}: how many recent consumed event ids are remembered
 *     so that a producer's redelivered copy is not counted twice
 * @param dedupeBatchKeys {@code DEDUPE_BATCH_KEYS}: telemetry batch keys remembered per partition
 * @param telemetryDeadline {@code TELEMETRY_DEADLINE}: how long a POST may wait for its samples to be
 *     durable before it is answered 503 {@code unavailable}
 * @param outageGrace {@code OUTAGE_GRACE}: how long after an outage of Kafka data it made late is
 *     still taken (see {@code OutageCredit})
 * @param outageCreditMax {@code OUTAGE_CREDIT_MAX}: the longest stretch of one outage whose data is
 *     excused (0 turns the credit off)
 * @param traces turn traces over OTLP ({@link TraceSettings}); empty when no OTLP endpoint is set
 */
public record MetricsServiceConfig(
    String host,
    int port,
    KafkaSettings kafka,
    Topics topics,
    boolean devMode,
    String instanceId,
    WindowSettings windows,
    Duration paneInterval,
    Duration durableFlushInterval,
    Ingest ingest,
    int maxBatch,
    int maxPending,
    LatencyBudgets budgets,
    ViewWindow p95GaugeWindow,
    int dedupeEventIds,
    int dedupeBatchKeys,
    Duration telemetryDeadline,
    Duration outageGrace,
    Duration outageCreditMax,
    Optional<TraceSettings> traces) {
  public static final String SERVICE_NAME = "metrics-service";
  private static final Pattern RANGE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*-\\s*(\\d+(?:\\.\\d+)?)\\s*(?:ms)?");

  /** How accepted HTTP samples reach the windows (see the README, "Ingest path"). */
  public enum Ingest {
    /**
     * Recorded into this instance's windows; answered once a pane holding them is on Kafka. Not
     * idempotent: for a single instance whose clients do not retry, and as a benchmark reference.
     */
    LOCAL,
    /**
     * Published as {@code latency.batch} events (one per chunk of a batch) to realtime.latency.samples;
     * the consumer group aggregates and counts the first copy of each batch key (the default).
     */
    KAFKA
  }

  public static MetricsServiceConfig fromEnv(Env env) {
    Duration bucket = positive(env, "WINDOW_BUCKET", Duration.ofSeconds(10));
    if (bucket.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new ConfigException("WINDOW_BUCKET must be at most 10m, got " + bucket);
    }
    Duration lateness = env.duration("WINDOW_ALLOWED_LATENESS", Duration.ofSeconds(30));
    Duration idle = env.duration("WINDOW_IDLE_TIMEOUT", Duration.ofSeconds(10));
    Duration skew = env.duration("WINDOW_MAX_CLOCK_SKEW", Duration.ofSeconds(10));
    Set<String> immediate = new HashSet<>(env.list("IMMEDIATE_COUNTERS",
        List.of(CounterCatalog.ROTATE_FAIL, CounterCatalog.UPSTREAM_AUTH_REJECTED, CounterCatalog.ROLLOVERS)));
    Set<String> known = new HashSet<>();
    CounterCatalog.all().forEach(c -> known.add(c.metric()));
    known.add(CounterCatalog.SAMPLES_DROPPED);
    for (String name : immediate) {
      if (!known.contains(name)) {
        throw new ConfigException("IMMEDIATE_COUNTERS: '" + name + "' is not a counter; known: " + known);
      }
    }
    WindowSettings windows = new WindowSettings(bucket, lateness, idle, ViewWindow.longest().plus(lateness), skew,
        immediate,
        env.intInRange("LATENCY_PLATFORM_LIMIT", 16, 1, 1000),
        new HashSet<>(env.list("LATENCY_PLATFORMS", List.of())),
        env.intInRange("COUNTER_LABEL_LIMIT", 32, 1, 1000));

    Duration paneInterval = positive(env, "PANE_INTERVAL", Duration.ofSeconds(1));
    Duration durableFlush = positive(env, "DURABLE_FLUSH_INTERVAL", Duration.ofMillis(50));
    String ingest = env.string("TELEMETRY_INGEST", "kafka").toLowerCase(Locale.ROOT);
    if (!ingest.equals("local") && !ingest.equals("kafka")) {
      throw new ConfigException("TELEMETRY_INGEST must be local or kafka, got '" + ingest + "'");
    }
    String gaugeWindow = env.string("P95_GAUGE_WINDOW", "5m");
    ViewWindow p95Window = ViewWindow.fromWireName(gaugeWindow)
        .orElseThrow(() -> new ConfigException("P95_GAUGE_WINDOW must be one of 1m, 5m, 15m, 1h, got '" + gaugeWindow + "'"));

    return new MetricsServiceConfig(
        env.string("HTTP_HOST", "0.0.0.0"),
        env.intInRange("HTTP_PORT", 8083, 0, 65535),
        KafkaSettings.fromEnv(env, SERVICE_NAME),
        Topics.fromEnv(env),
        env.bool("DEV_MODE", false),
        env.optional("INSTANCE_ID").orElseGet(MetricsServiceConfig::defaultInstanceId),
        windows,
        paneInterval,
        durableFlush,
        ingest.equals("kafka") ? Ingest.KAFKA : Ingest.LOCAL,
        env.intInRange("TELEMETRY_MAX_BATCH", 500, 1, 5000),
        env.intInRange("TELEMETRY_MAX_PENDING", 2000, 1, 1_000_000),
        budgets(env),
        p95Window,
        env.intInRange("DEDUPE_EVENT_IDS", 100_000, 1, 10_000_000),
        env.intInRange("DEDUPE_BATCH_KEYS", 50_000, 1, 10_000_000),
        deadline(env),
        atMost(env, "OUTAGE_GRACE", Duration.ofSeconds(60), Duration.ofMinutes(10)),
        atMost(env, "OUTAGE_CREDIT_MAX", Duration.ofMinutes(5), Duration.ofMinutes(30)),
        TraceSettings.fromEnv(env));
  }

  /** The outage credit must stay well inside the views' hour, or excused data would reach no view. */
  private static Duration atMost(Env env, String name, Duration defaultValue, Duration max) {
    Duration d = env.duration(name, defaultValue);
    if (d.compareTo(max) > 0) {
      throw new ConfigException(name + " must be at most " + max.toMinutes() + "m, got " + d);
    }
    return d;
  }

  private static Duration deadline(Env env) {
    Duration d = positive(env, "TELEMETRY_DEADLINE", Duration.ofSeconds(3));
    if (d.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new ConfigException("TELEMETRY_DEADLINE must be at most 1m, got " + d);
    }
    return d;
  }

  private static Duration positive(Env env, String name, Duration defaultValue) {
    Duration d = env.duration(name, defaultValue);
    if (d.isZero()) {
      throw new ConfigException(name + " must be greater than zero");
    }
    return d;
  }

  private static LatencyBudgets budgets(Env env) {
    Map<Stage, BudgetRange> ranges = new EnumMap<>(Stage.class);
    ranges.putAll(LatencyBudgets.defaultRanges());
    for (Stage stage : Stage.all()) {
      String name = "BUDGET_" + stage.wireName().toUpperCase(Locale.ROOT);
      env.optional(name).ifPresent(text -> {
        if (text.equalsIgnoreCase("none")) {
          ranges.remove(stage);
          return;
        }
        Matcher m = RANGE.matcher(text);
        if (!m.matches()) {
          throw new ConfigException(name + " must be a range in ms such as 80-150 (or none), got '" + text + "'");
        }
        try {
          ranges.put(stage, new BudgetRange(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(name + ": " + e.getMessage());
        }
      });
    }
    double quantile = env.doubleInRange("BUDGET_QUANTILE", 0.95, 0.5, 0.999);
    return new LatencyBudgets(ranges, quantile);
  }

  /** Host name plus a random suffix: two processes on one host, or a restart, never share an id. */
  static String defaultInstanceId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "metrics";
    }
    return host + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
