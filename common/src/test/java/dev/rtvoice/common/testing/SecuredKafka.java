package dev.rtvoice.common.testing;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.BrokerSecurity;
import dev.rtvoice.broker.ChildProcessKafkaBroker;
import dev.rtvoice.common.kafka.ServiceAcls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A secured child broker for tests, as a managed cluster runs: SASL_SSL with SCRAM and PLAIN users,
 * a mutual-TLS listener, {@code StandardAuthorizer} with no access without an ACL, and a CA made by
 * the test. Each service name given becomes a user (SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN, same
 * password) and a client certificate whose CN is that name, so one ACL table fits every mechanism.
 */
public final class SecuredKafka implements AutoCloseable {
  private final ChildProcessKafkaBroker broker;
  private final TestCertificates ca;
  private final Path dir;
  private final Map<String, String> passwords;

  private SecuredKafka(ChildProcessKafkaBroker broker, TestCertificates ca, Path dir, Map<String, String> passwords) {
    this.broker = broker;
    this.ca = ca;
    this.dir = dir;
    this.passwords = passwords;
  }

  /**
   * A broker with a user (and a client certificate) per name in {@code users}; files live in
   * {@code dir}, emptied first: a store or a formatted log of an earlier run has other passwords.
   */
  public static SecuredKafka start(Path dir, List<String> users) throws Exception {
    if (Files.exists(dir)) {
      try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(dir);
    TestCertificates ca = TestCertificates.createCa(dir.resolve("tls"));
    Path brokerStore = ca.keystore("rtvoice-broker");
    Map<String, String> passwords = new LinkedHashMap<>();
    for (String user : users) {
      passwords.put(user, randomHex(16));
    }
    BrokerSecurity security = new BrokerSecurity(brokerStore, ca.truststore(), ca.password(), "admin",
        randomHex(16), passwords, passwords);
    ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(
        new BrokerOptions(dir.resolve("broker"), 0, 0, java.time.Duration.ofSeconds(90), null, security));
    return new SecuredKafka(broker, ca, dir, passwords);
  }

  public ChildProcessKafkaBroker broker() {
    return broker;
  }

  public TestCertificates ca() {
    return ca;
  }

  public String password(String user) {
    return passwords.get(user);
  }

  /** Every password of this cluster, for sweeps that check none leaked. */
  public List<String> secrets() {
    List<String> all = new ArrayList<>(passwords.values());
    all.add(broker.security().adminPassword());
    all.add(ca.password());
    return all;
  }

  /** The variables a service sets to log in as {@code user} over SASL_SSL with {@code mechanism}. */
  public Map<String, String> saslEnv(String user, String mechanism) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
    env.put("KAFKA_SASL_MECHANISM", mechanism);
    env.put("KAFKA_SASL_USERNAME", user);
    env.put("KAFKA_SASL_PASSWORD", passwords.get(user));
    env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", ca.truststore().toString());
    env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", ca.password());
    return env;
  }

  /** The variables a service sets to connect with mutual TLS as {@code CN=<user>}. */
  public Map<String, String> mutualTlsEnv(String user) {
    Path store = dir.resolve("tls").resolve(user + ".p12");
    if (!Files.exists(store)) {
      store = ca.keystore(user);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.sslBootstrapServers());
    env.put("KAFKA_SECURITY_PROTOCOL", "SSL");
    env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", ca.truststore().toString());
    env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", ca.password());
    env.put("KAFKA_SSL_KEYSTORE_LOCATION", store.toString());
    env.put("KAFKA_SSL_KEYSTORE_PASSWORD", ca.password());
    return env;
  }

  /** A super-user admin client's properties. */
  public Properties adminProperties() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.putAll(broker.security().adminClientProperties());
    return props;
  }

  /**
   * Grants {@code rules} (as the shipped {@code deploy/kafka-acls/acls.conf} lists them) to
   * {@code User:<service>}, with {@code topicPrefix} in place of {@code {prefix}}.
   */
  public void grant(List<ServiceAcls.Rule> rules, String topicPrefix) throws Exception {
    grant(null, rules, topicPrefix);
  }

  /** As {@link #grant(List, String)}, to {@code principal} instead of each rule's service. */
  public void grant(String principal, List<ServiceAcls.Rule> rules, String topicPrefix) throws Exception {
    List<AclBinding> bindings = new ArrayList<>();
    for (ServiceAcls.Rule rule : rules) {
      ResourceType type = rule.type() == ServiceAcls.ResourceType.TOPIC ? ResourceType.TOPIC : ResourceType.GROUP;
      ResourcePattern pattern = new ResourcePattern(type, rule.resolvedName(topicPrefix), PatternType.LITERAL);
      for (String op : rule.operations()) {
        bindings.add(new AclBinding(pattern, new AccessControlEntry(
            principal != null ? principal : "User:" + rule.service(), "*",
            AclOperation.fromString(op.toUpperCase(java.util.Locale.ROOT)), AclPermissionType.ALLOW)));
      }
    }
    try (Admin admin = Admin.create(adminProperties())) {
      admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    broker.close();
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
