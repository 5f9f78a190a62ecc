package dev.rtvoice.broker;

/** A cluster someone else runs ({@code KAFKA_BOOTSTRAP_SERVERS}); closing it does nothing. */
final class ExternalKafkaBroker implements KafkaBroker {
  private final String bootstrapServers;

  ExternalKafkaBroker(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public String description() {
    return "external cluster at " + bootstrapServers;
  }

  @Override
  public void close() {
    // not ours to stop
  }
}
