package dev.rtvoice.broker;

import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the Kafka broker, in this order (the root README says why): an external cluster from
 * {@code KAFKA_BOOTSTRAP_SERVERS}; else Testcontainers when a Docker engine answers; else a KRaft
 * broker started as a child process. Tests and the local stack both come through here.
 */
public final class KafkaBrokers {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokers.class);

  private KafkaBrokers() {}

  public static KafkaBroker start(BrokerOptions childOptions) {
    String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    KafkaBroker broker;
    if (external != null && !external.isBlank()) {
      broker = new ExternalKafkaBroker(external.trim());
    } else if (childOptions.dataDir() == null && testcontainersUsable()) {
      // a kept data folder is a child-process feature; Docker is used for throw-away brokers only
      broker = TestcontainersKafkaBroker.start();
    } else {
      broker = ChildProcessKafkaBroker.start(childOptions);
    }
    LOG.info("Kafka: {}", broker.description());
    return broker;
  }

  /**
   * Testcontainers is optional: its classes are touched only when they are on the classpath and a
   * Docker endpoint is configured, so a machine without Docker pays nothing for its discovery.
   */
  private static boolean testcontainersUsable() {
    try {
      Class.forName("org.testcontainers.kafka.KafkaContainer", false, KafkaBrokers.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    String host = System.getenv("DOCKER_HOST");
    boolean endpoint = (host != null && !host.isBlank()) || Files.exists(Path.of("/var/run/docker.sock"));
    return endpoint && TestcontainersKafkaBroker.dockerAvailable();
  }
}
