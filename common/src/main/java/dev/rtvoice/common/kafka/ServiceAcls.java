package dev.rtvoice.common.kafka;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The least-privilege ACLs of each service: every topic it creates, reads or writes (dead-letter
 * topics included) and every consumer group it uses, read from the code. This table is the one
 * source: {@code deploy/kafka-acls/acls.conf} is {@link #render()} of it (a test keeps them equal),
 * the secured integration test applies that file to a broker with {@code StandardAuthorizer}, and a
 * service's readiness names any of its topic ACLs the broker does not grant.
 *
 * <p>No cluster ACL is needed: topic creation is allowed per topic ({@code Create} on the topic),
 * and since Kafka 2.8 an idempotent producer needs {@code Write} on a topic, not
 * {@code IdempotentWrite} on the cluster.
 */
public final class ServiceAcls {
  /** Replaced by {@code KAFKA_TOPIC_PREFIX} in topic and group names. */
  public static final String PREFIX = "{prefix}";

  public enum ResourceType { TOPIC, GROUP }

  /** One line of the table: the operations {@code service} needs on one literal resource. */
  public record Rule(String service, ResourceType type, String name, Set<String> operations) {
    public String resolvedName(String topicPrefix) {
      return name.replace(PREFIX, topicPrefix == null ? "" : topicPrefix);
    }
  }

  private static final List<Rule> RULES = List.of(
      topic("token-service", Topics.TOKEN_EVENTS, "Create", "Describe", "Write"),
      topic("token-service", Topics.TOKEN_ROTATIONS, "Create", "Describe", "Read", "Write"),
      // membership only: the instances count each other to share the rate limits
      group("token-service", PREFIX + "token-service"),

      topic("session-service", Topics.SESSION_COMMANDS, "Create", "Describe", "Read", "Write"),
      topic("session-service", Topics.SESSION_COMMANDS + Topics.DLQ_SUFFIX, "Create", "Describe", "Write"),
      topic("session-service", Topics.SESSION_EVENTS, "Create", "Describe", "Write"),
      topic("session-service", Topics.SESSION_STATE, "Create", "Describe", "Read", "Write"),
      topic("session-service", Topics.LATENCY_SAMPLES, "Create", "Describe", "Write"),
      // the call feed: token.call_created forwarded to the session's commands
      topic("session-service", Topics.TOKEN_EVENTS, "Create", "Describe", "Read"),
      group("session-service", PREFIX + "session-service"),
      group("session-service", PREFIX + "session-service-calls"),

      topic("metrics-service", Topics.LATENCY_SAMPLES, "Create", "Describe", "Read", "Write"),
      topic("metrics-service", Topics.LATENCY_SAMPLES + Topics.DLQ_SUFFIX, "Create", "Describe", "Write"),
      topic("metrics-service", Topics.TOKEN_EVENTS, "Create", "Describe", "Read"),
      topic("metrics-service", Topics.TOKEN_EVENTS + Topics.DLQ_SUFFIX, "Create", "Describe", "Write"),
      topic("metrics-service", Topics.SESSION_EVENTS, "Create", "Describe", "Read"),
      topic("metrics-service", Topics.SESSION_EVENTS + Topics.DLQ_SUFFIX, "Create", "Describe", "Write"),
      topic("metrics-service", Topics.METRICS_WINDOWS, "Create", "Describe", "Read", "Write"),
      group("metrics-service", PREFIX + "metrics-service"),

      topic("alerting-service", Topics.METRICS_WINDOWS, "Create", "Describe", "Read"),
      topic("alerting-service", Topics.METRICS_WINDOWS + Topics.DLQ_SUFFIX, "Create", "Describe", "Write"),
      topic("alerting-service", Topics.ALERTS, "Create", "Describe", "Read", "Write"),
      topic("alerting-service", Topics.ALERT_NOTIFICATIONS, "Create", "Describe", "Read", "Write"),
      // alerting-service's groups are named after the service, without the topic prefix
      group("alerting-service", "alerting-service-panes"),
      // ...except the delivery lease, which instances of one suite (one prefix) share
      group("alerting-service", PREFIX + "alerting-service-delivery"),

      // the console reads the metric windows of every instance to merge its counters (no group, no writes)
      topic("console", Topics.METRICS_WINDOWS, "Describe", "Read"));

  /**
   * Groups whose name a variable can change ({@code SESSION_CONSUMER_GROUP}): readiness does not
   * probe them, since the service's settings do not carry the name it actually uses.
   */
  public static final Set<String> RENAMEABLE_GROUPS = Set.of(PREFIX + "session-service");

  private ServiceAcls() {}

  private static Rule topic(String service, String logicalName, String... operations) {
    return new Rule(service, ResourceType.TOPIC, PREFIX + logicalName, new LinkedHashSet<>(List.of(operations)));
  }

  private static Rule group(String service, String name) {
    return new Rule(service, ResourceType.GROUP, name, new LinkedHashSet<>(List.of("Read")));
  }

  public static List<Rule> all() {
    return RULES;
  }

  public static List<Rule> of(String service) {
    return RULES.stream().filter(r -> r.service().equals(service)).toList();
  }

  public static List<String> services() {
    return RULES.stream().map(Rule::service).distinct().toList();
  }

  /**
   * The table as {@code deploy/kafka-acls/acls.conf}: one line per service and resource, read by
   * {@code apply.sh} and by the secured integration test.
   */
  public static String render() {
    List<String> lines = new ArrayList<>();
    lines.add("# Least-privilege Kafka ACLs of the four services and the console (ALLOW, literal resource names).");
    lines.add("# Generated from common's ServiceAcls: change that class, then run ShippedAclsTest with");
    lines.add("# -Dacls.write=true. {prefix} is KAFKA_TOPIC_PREFIX; apply.sh maps each service to its principal.");
    lines.add("# service          type   name                                      operations");
    for (Rule r : RULES) {
      lines.add(String.format("%-18s %-6s %-41s %s", r.service(), r.type().name().toLowerCase(java.util.Locale.ROOT),
          r.name(), String.join(",", r.operations())).stripTrailing());
    }
    return String.join("\n", lines) + "\n";
  }

  /** Parses a file in the form {@link #render()} writes. */
  public static List<Rule> parse(String text) {
    List<Rule> rules = new ArrayList<>();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\s+");
      if (f.length != 4) {
        throw new IllegalArgumentException("expected: service type name operations, got: " + line);
      }
      rules.add(new Rule(f[0], ResourceType.valueOf(f[1].toUpperCase(java.util.Locale.ROOT)), f[2],
          new LinkedHashSet<>(List.of(f[3].split(",")))));
    }
    return rules;
  }
}
