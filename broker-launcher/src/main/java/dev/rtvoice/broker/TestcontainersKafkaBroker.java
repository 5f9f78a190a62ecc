package dev.rtvoice.broker;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Kafka in Docker through Testcontainers' Kafka module. Only loaded when Testcontainers is on the
 * classpath (it is an optional dependency) and a Docker engine answers.
 */
final class TestcontainersKafkaBroker implements KafkaBroker {
  static final String IMAGE = "apache/kafka:4.1.1";

  private final KafkaContainer container;

  private TestcontainersKafkaBroker(KafkaContainer container) {
    this.container = container;
  }

  /** Whether a Docker engine answers; call only when Testcontainers is on the classpath. */
  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  static TestcontainersKafkaBroker start() {
    KafkaContainer container = new KafkaContainer(IMAGE);
    container.start();
    return new TestcontainersKafkaBroker(container);
  }

  @Override
  public String bootstrapServers() {
    return container.getBootstrapServers();
  }

  @Override
  public String description() {
    return "Testcontainers " + IMAGE + " at " + bootstrapServers();
  }

  @Override
  public void close() {
    container.stop();
  }
}
