package dev.rtvoice.common.testing;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.KafkaBroker;
import dev.rtvoice.broker.KafkaBrokers;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real Kafka broker for tests: one per test JVM, shared by every test class, stopped when the JVM's
 * tests are done. Chosen as {@code KafkaBrokers} orders it (external cluster, Docker, child-process KRaft).
 * Tests take a {@link TestKafka} parameter; each one they get has its own topic prefix, so tests never
 * see each other's records.
 */
public final class KafkaBrokerExtension implements ParameterResolver {

  private static final String STORE_KEY = "rtvoice.kafka.broker";

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestKafka.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return TestKafka.create(broker(context).bootstrapServers());
  }

  /** The shared broker, started on first use and closed by JUnit after the last test of the run. */
  public static KafkaBroker broker(ExtensionContext context) {
    ExtensionContext.Store store = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL);
    return store.getOrComputeIfAbsent(STORE_KEY, k -> new ClosingBroker(KafkaBrokers.start(BrokerOptions.ephemeral())),
        ClosingBroker.class).broker;
  }

  /** Lets JUnit's root store stop the broker at the end of the run. */
  private static final class ClosingBroker implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    private final KafkaBroker broker;

    ClosingBroker(KafkaBroker broker) {
      this.broker = broker;
    }

    @Override
    public void close() {
      broker.close();
    }
  }
}
