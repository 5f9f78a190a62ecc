package dev.rtvoice.common.kafka;

import dev.rtvoice.common.config.Env;
import java.time.Duration;
import java.util.List;

/**
 * The topic names and settings of the suite's Kafka contract (root README, "Kafka topics"), in one place. Every name can carry a
 * prefix ({@code KAFKA_TOPIC_PREFIX}), so that two suites, or two tests, can share one cluster without
 * seeing each other's data.
 */
public final class Topics {
  public static final String TOKEN_EVENTS = "realtime.token.events";
  public static final String SESSION_COMMANDS = "realtime.session.commands";
  public static final String SESSION_EVENTS = "realtime.session.events";
  public static final String SESSION_STATE = "realtime.session.state";
  public static final String LATENCY_SAMPLES = "realtime.latency.samples";
  public static final String METRICS_WINDOWS = "realtime.metrics.windows";
  public static final String ALERTS = "realtime.alerts";
  /**
   * alerting-service's shared webhook notification log (compacted, one partition): which groups each
   * receiver was notified of. Its partition is also the delivery lease: the instance that holds it sends.
   */
  public static final String ALERT_NOTIFICATIONS = "realtime.alerts.notifications";
  /** token-service's rotation ledger: the latest rotation generation of every session, per session id. */
  public static final String TOKEN_ROTATIONS = "realtime.token.rotations";

  /** Dead-letter topic of a topic: where records that cannot be decoded go, with the reason. */
  public static final String DLQ_SUFFIX = ".dlq";

  private final String prefix;
  private final int partitions;
  private final short replicationFactor;
  private final long retentionMs;

  public Topics(String prefix, int partitions, short replicationFactor, Duration retention) {
    this.prefix = prefix == null ? "" : prefix;
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
    this.retentionMs = retention.toMillis();
  }

  /**
   * From the environment: {@code KAFKA_TOPIC_PREFIX} (default none), {@code KAFKA_TOPIC_PARTITIONS}
   * (default 6), {@code KAFKA_TOPIC_REPLICATION} (default 1), {@code KAFKA_TOPIC_RETENTION} (default 7d).
   */
  public static Topics fromEnv(Env env) {
    return new Topics(
        env.string("KAFKA_TOPIC_PREFIX", ""),
        env.intInRange("KAFKA_TOPIC_PARTITIONS", 6, 1, 1024),
        (short) env.intInRange("KAFKA_TOPIC_REPLICATION", 1, 1, 16),
        env.duration("KAFKA_TOPIC_RETENTION", Duration.ofDays(7)));
  }

  public String prefix() {
    return prefix;
  }

  public String name(String logicalName) {
    return prefix + logicalName;
  }

  public String tokenEvents() {
    return name(TOKEN_EVENTS);
  }

  public String sessionCommands() {
    return name(SESSION_COMMANDS);
  }

  public String sessionEvents() {
    return name(SESSION_EVENTS);
  }

  public String sessionState() {
    return name(SESSION_STATE);
  }

  public String latencySamples() {
    return name(LATENCY_SAMPLES);
  }

  public String metricsWindows() {
    return name(METRICS_WINDOWS);
  }

  public String alerts() {
    return name(ALERTS);
  }

  public static String deadLetterOf(String topic) {
    return topic + DLQ_SUFFIX;
  }

  /** Settings of a topic of the contract; {@code realtime.session.state} is compacted. */
  public TopicSpec spec(String logicalName) {
    boolean compacted = SESSION_STATE.equals(logicalName);
    // the state topic keeps the latest snapshot per session for as long as it lives
    long retention = compacted ? -1 : retentionMs;
    return new TopicSpec(name(logicalName), partitions, replicationFactor, retention, compacted);
  }

  /** A topic and its dead-letter topic: the pair that a consumer of the topic needs. */
  public List<TopicSpec> withDeadLetter(String logicalName) {
    TopicSpec main = spec(logicalName);
    return List.of(main, new TopicSpec(deadLetterOf(main.name()), 1, replicationFactor, retentionMs, false));
  }
}
