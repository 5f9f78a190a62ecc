package dev.rtvoice.broker;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to start a child-process broker.
 *
 * @param dataDir where the broker keeps its log; null for a temporary folder deleted on close.
 *     A kept folder also keeps the broker's ports, so that a restart finds its own metadata quorum.
 * @param port the client listener; 0 picks a free loopback port
 * @param controllerPort the KRaft controller listener; 0 picks a free loopback port
 * @param libDir the broker's runtime jars; null locates them (see {@link ChildProcessKafkaBroker})
 * @param security null for a PLAINTEXT broker; else a secured one (see {@link BrokerSecurity})
 */
public record BrokerOptions(Path dataDir, int port, int controllerPort, Duration startTimeout, Path libDir,
                            BrokerSecurity security) {

  public BrokerOptions(Path dataDir, int port, int controllerPort, Duration startTimeout, Path libDir) {
    this(dataDir, port, controllerPort, startTimeout, libDir, null);
  }

  /** These options for a secured broker: SASL_SSL, mutual TLS and ACLs. */
  public BrokerOptions withSecurity(BrokerSecurity security) {
    return new BrokerOptions(dataDir, port, controllerPort, startTimeout, libDir, security);
  }

  /** A throw-away broker on free ports, as tests want it. */
  public static BrokerOptions ephemeral() {
    return new BrokerOptions(null, 0, 0, Duration.ofSeconds(90), null);
  }

  /** A broker whose data survives restarts, as the local stack wants it. */
  public static BrokerOptions persistent(Path dataDir, int port, int controllerPort) {
    return new BrokerOptions(dataDir, port, controllerPort, Duration.ofSeconds(90), null);
  }
}
