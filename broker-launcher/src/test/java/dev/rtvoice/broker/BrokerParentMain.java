package dev.rtvoice.broker;

/**
 * A parent JVM for {@link ChildBrokerLifecycleIT}: starts a child broker, prints its pid and address,
 * and waits to be killed.
 */
public final class BrokerParentMain {
  public static void main(String[] args) throws Exception {
    ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(BrokerOptions.ephemeral());
    System.out.println("BROKER_PID=" + broker.pid() + " BOOTSTRAP=" + broker.bootstrapServers());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
