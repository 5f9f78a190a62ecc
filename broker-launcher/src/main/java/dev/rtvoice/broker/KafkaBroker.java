package dev.rtvoice.broker;

/** A running Kafka cluster that tests or the local stack talk to; closing stops what we started. */
public interface KafkaBroker extends AutoCloseable {
  String bootstrapServers();

  /** For logs: which kind of broker this is and where. */
  String description();

  @Override
  void close();
}
