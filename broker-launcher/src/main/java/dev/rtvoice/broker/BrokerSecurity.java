package dev.rtvoice.broker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A child broker run as a secured cluster is: a {@code SASL_SSL} client listener (SCRAM-SHA-512,
 * SCRAM-SHA-256 and PLAIN), an {@code SSL} listener that requires a client certificate (mutual TLS;
 * the principal is the certificate's CN), and {@code StandardAuthorizer} with no access without an
 * ACL. The admin user is a super user; so is {@code User:ANONYMOUS}, which only the controller listener
 * (PLAINTEXT, loopback) produces: a single-node KRaft broker talks to its own controller there.
 *
 * @param keystore the broker's key and certificate chain (PKCS12), signed by the CA in {@code truststore}
 * @param truststore the CA that signed the broker's and the clients' certificates (PKCS12)
 * @param storePassword the password of both stores
 * @param adminUser a SCRAM-SHA-512 super user, which the launcher uses to check that the broker is ready
 * @param adminPassword its password
 * @param scramUsers SCRAM-SHA-512 and SCRAM-SHA-256 users created at format time (user to password)
 * @param plainUsers PLAIN users (user to password), kept in the broker's JAAS configuration
 */
public record BrokerSecurity(Path keystore, Path truststore, String storePassword, String adminUser,
                             String adminPassword, Map<String, String> scramUsers, Map<String, String> plainUsers) {

  public BrokerSecurity {
    scramUsers = Map.copyOf(scramUsers);
    plainUsers = Map.copyOf(plainUsers);
  }

  /** What a super-user client needs on the SASL_SSL listener. */
  public Map<String, String> adminClientProperties() {
    return saslClientProperties("SCRAM-SHA-512", adminUser, adminPassword);
  }

  /** Client properties of a SASL_SSL user, trusting the test CA. */
  public Map<String, String> saslClientProperties(String mechanism, String user, String password) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("security.protocol", "SASL_SSL");
    props.put("sasl.mechanism", mechanism);
    String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    props.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
    props.put("ssl.truststore.location", truststore.toString());
    props.put("ssl.truststore.type", "PKCS12");
    props.put("ssl.truststore.password", storePassword);
    return props;
  }

  /** The broker's properties for the secured listeners, {@code sasl} and {@code ssl} being their ports. */
  List<String> serverProperties(String saslListener, String sslListener) {
    StringBuilder plainJaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required"
        + " username=\"" + adminUser + "\" password=\"" + adminPassword + "\" user_" + adminUser + "=\""
        + adminPassword + "\"");
    plainUsers.forEach((user, password) -> plainJaas.append(" user_").append(user).append("=\"").append(password)
        .append('"'));
    plainJaas.append(';');
    String scramJaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + adminUser
        + "\" password=\"" + adminPassword + "\";";
    String sasl = saslListener.toLowerCase(java.util.Locale.ROOT);
    String ssl = sslListener.toLowerCase(java.util.Locale.ROOT);
    return List.of(
        "sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN",
        "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
        "listener.name." + sasl + ".scram-sha-512.sasl.jaas.config=" + scramJaas,
        "listener.name." + sasl + ".scram-sha-256.sasl.jaas.config=" + scramJaas,
        "listener.name." + sasl + ".plain.sasl.jaas.config=" + plainJaas,
        "ssl.keystore.location=" + keystore,
        "ssl.keystore.type=PKCS12",
        "ssl.keystore.password=" + storePassword,
        "ssl.key.password=" + storePassword,
        "ssl.truststore.location=" + truststore,
        "ssl.truststore.type=PKCS12",
        "ssl.truststore.password=" + storePassword,
        "listener.name." + ssl + ".ssl.client.auth=required",
        // a client certificate's principal is its CN, so that one ACL fits SASL and mTLS alike
        "ssl.principal.mapping.rules=RULE:^CN=([^,]+).*$/$1/,DEFAULT",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found=false",
        "super.users=User:" + adminUser + ";User:ANONYMOUS");
  }

  /** The {@code --add-scram} arguments of {@code kafka-storage format}: every SCRAM user, both hashes. */
  List<String> formatArguments() {
    Map<String, String> users = new LinkedHashMap<>(scramUsers);
    users.put(adminUser, adminPassword);
    List<String> args = new java.util.ArrayList<>();
    users.forEach((user, password) -> {
      for (String mechanism : List.of("SCRAM-SHA-512", "SCRAM-SHA-256")) {
        args.add("--add-scram");
        args.add(mechanism + "=[name=" + user + ",password=" + password + "]");
      }
    });
    return args;
  }

  @Override
  public String toString() {
    return "BrokerSecurity[admin=" + adminUser + ", scramUsers=" + scramUsers.keySet() + ", plainUsers="
        + plainUsers.keySet() + "]";
  }
}
