package dev.rtvoice.common.kafka;

import io.vertx.core.Future;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the topics a service owns when they are missing; existing topics are left as they are. */
public final class TopicProvisioner {
  private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);

  private final KafkaAdminClient admin;

  public TopicProvisioner(KafkaAdminClient admin) {
    this.admin = admin;
  }

  public Future<Void> ensure(Collection<TopicSpec> specs) {
    return ensure(specs, 3);
  }

  private Future<Void> ensure(Collection<TopicSpec> specs, int attemptsLeft) {
    return admin.listTopics().compose(existing -> {
      List<NewTopic> missing = specs.stream()
          .filter(spec -> !existing.contains(spec.name()))
          .distinct()
          .map(spec -> new NewTopic(spec.name(), spec.partitions(), spec.replicationFactor()).setConfig(spec.config()))
          .toList();
      if (missing.isEmpty()) {
        return Future.succeededFuture();
      }
      LOG.info("creating topics {}", missing.stream().map(NewTopic::getName).toList());
      return admin.createTopics(missing).recover(e -> {
        // another service (or instance) created one between our list and create: look again
        if (isTopicExists(e) && attemptsLeft > 1) {
          LOG.debug("topic created concurrently, checking again: {}", e.getMessage());
          return ensure(specs, attemptsLeft - 1);
        }
        return Future.failedFuture(e);
      });
    });
  }

  private static boolean isTopicExists(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TopicExistsException) {
        return true;
      }
    }
    return false;
  }
}
