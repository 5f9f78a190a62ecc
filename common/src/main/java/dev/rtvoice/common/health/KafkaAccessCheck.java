package dev.rtvoice.common.health;

import dev.rtvoice.common.kafka.KafkaErrors;
import dev.rtvoice.common.kafka.KafkaSecurity;
import dev.rtvoice.common.kafka.ServiceAcls;
import dev.rtvoice.common.kafka.TopicSpec;
import io.vertx.core.Future;
import io.vertx.kafka.admin.ConsumerGroupDescription;
import io.vertx.kafka.admin.DescribeConsumerGroupsOptions;
import io.vertx.kafka.admin.DescribeTopicsOptions;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.TopicDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Asks the broker which operations it grants this service on each topic and consumer group of its
 * ACL table ({@link ServiceAcls}; not a group a variable renames) and fails with the ACLs it lacks, named, so that a missing grant shows in
 * {@code /health/ready} at start instead of as a stuck consumer or a failed write later. A cluster
 * without an authorizer reports no operations, and passes.
 */
public final class KafkaAccessCheck implements ReadinessCheck {
  private final KafkaAdminClient admin;
  private final KafkaSecurity security;
  private final List<ServiceAcls.Rule> rules;
  private final String topicPrefix;

  public KafkaAccessCheck(KafkaAdminClient admin, KafkaSecurity security, String service, String topicPrefix) {
    this.admin = admin;
    this.security = security;
    this.rules = ServiceAcls.of(service).stream()
        .filter(r -> !(r.type() == ServiceAcls.ResourceType.GROUP && ServiceAcls.RENAMEABLE_GROUPS.contains(r.name())))
        .toList();
    this.topicPrefix = topicPrefix;
  }

  /**
   * The topic prefix of a service's owned topics: each is the prefix followed by a logical name of
   * {@code Topics}, so the ACL table can be resolved without a second configuration path.
   */
  public static String prefixOf(String service, List<TopicSpec> ownedTopics) {
    for (ServiceAcls.Rule rule : ServiceAcls.of(service)) {
      String logical = rule.name().replace(ServiceAcls.PREFIX, "");
      for (TopicSpec spec : ownedTopics) {
        if (rule.type() == ServiceAcls.ResourceType.TOPIC && spec.name().endsWith(logical)) {
          return spec.name().substring(0, spec.name().length() - logical.length());
        }
      }
    }
    return "";
  }

  @Override
  public String name() {
    return "kafka_acls";
  }

  @Override
  public Future<Void> check() {
    if (rules.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<String>> missing = new ArrayList<>();
    for (ServiceAcls.Rule rule : rules) {
      missing.add(missingOn(rule));
    }
    return Future.join(missing).transform(ar -> {
      List<String> lacking = missing.stream().filter(Future::succeeded).map(Future::result)
          .filter(m -> m != null).collect(Collectors.toList());
      missing.stream().filter(Future::failed).map(f -> f.cause().getMessage()).forEach(lacking::add);
      if (lacking.isEmpty()) {
        return Future.succeededFuture();
      }
      return Future.failedFuture("missing Kafka ACL for " + security.principalDescription() + ": "
          + String.join("; ", lacking) + " (see deploy/kafka-acls)");
    });
  }

  private static boolean isUnknownTopic(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof UnknownTopicOrPartitionException) {
        return true;
      }
    }
    return false;
  }

  /** Null when the broker grants every operation of {@code rule}, else which ones it does not. */
  private Future<String> missingOn(ServiceAcls.Rule rule) {
    return rule.type() == ServiceAcls.ResourceType.TOPIC ? missingOnTopic(rule) : missingOnGroup(rule);
  }

  private Future<String> missingOnGroup(ServiceAcls.Rule rule) {
    String group = rule.resolvedName(topicPrefix);
    return admin.describeConsumerGroups(List.of(group),
            new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
        .timeout(5, TimeUnit.SECONDS)
        .transform(ar -> {
          if (ar.failed()) {
            String explained = KafkaErrors.explain(ar.cause(), security);
            return Future.succeededFuture(explained.startsWith("missing Kafka ACL")
                ? String.join(",", rule.operations()) + " on group " + group
                : "group " + group + ": " + explained);
          }
          ConsumerGroupDescription description = ar.result().get(group);
          Set<AclOperation> granted = description == null ? null : description.getAuthorizedOperations();
          if (granted == null || granted.isEmpty()) {
            return Future.succeededFuture(null);
          }
          List<String> lacking = rule.operations().stream()
              .filter(op -> !granted.contains(AclOperation.fromString(op.toUpperCase(Locale.ROOT))))
              .toList();
          return Future.succeededFuture(lacking.isEmpty() ? null : String.join(",", lacking) + " on group " + group);
        });
  }

  private Future<String> missingOnTopic(ServiceAcls.Rule rule) {
    String topic = rule.resolvedName(topicPrefix);
    return admin.describeTopics(List.of(topic), new DescribeTopicsOptions().includeAuthorizedOperations(true))
        .timeout(5, TimeUnit.SECONDS)
        .transform(ar -> {
          if (ar.failed() && isUnknownTopic(ar.cause())) {
            // not created yet: whoever creates it reports that; there is nothing to check on it
            return Future.succeededFuture(null);
          }
          if (ar.failed()) {
            String explained = KafkaErrors.explain(ar.cause(), security);
            return Future.succeededFuture(explained.startsWith("missing Kafka ACL")
                ? String.join(",", rule.operations()) + " on topic " + topic
                : "topic " + topic + ": " + explained);
          }
          TopicDescription description = ar.result().get(topic);
          Set<AclOperation> granted = description == null ? null : description.getAuthorizedOperations();
          if (granted == null || granted.isEmpty()) {
            return Future.succeededFuture(null);
          }
          // Create is only needed while a topic is missing, and provisioning reports that itself
          List<String> lacking = rule.operations().stream()
              .filter(op -> !op.equalsIgnoreCase("Create"))
              .filter(op -> !granted.contains(AclOperation.fromString(op.toUpperCase(Locale.ROOT))))
              .toList();
          return Future.succeededFuture(lacking.isEmpty() ? null : String.join(",", lacking) + " on topic " + topic);
        });
  }
}
