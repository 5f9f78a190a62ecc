package dev.rtvoice.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSecurityTest {
  private static final String PASSWORD = "s3cr\"et\\pw";
  @TempDir Path dir;
  Path truststore;
  Path keystore;

  @BeforeEach
  void stores() throws Exception {
    truststore = Files.writeString(dir.resolve("truststore.p12"), "not parsed here");
    keystore = Files.writeString(dir.resolve("client.jks"), "not parsed here");
  }

  private static KafkaSecurity security(Map<String, String> env) {
    return KafkaSecurity.fromEnv(new Env(env));
  }

  private Map<String, String> sasl() {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
    env.put("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
    env.put("KAFKA_SASL_USERNAME", "session-service");
    env.put("KAFKA_SASL_PASSWORD", PASSWORD);
    env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", truststore.toString());
    env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", "trust-pw");
    return env;
  }

  @Test
  void plaintextByDefaultWithNoSecurityProperties() {
    KafkaSecurity s = security(Map.of());
    assertThat(s.protocol()).isEqualTo("PLAINTEXT");
    assertThat(s.clientProperties()).containsExactly(Map.entry("security.protocol", "PLAINTEXT"));
  }

  @Test
  void saslSslWithScramBuildsAJaasConfigWithTheQuotedPassword() {
    Map<String, String> props = security(sasl()).clientProperties();
    assertThat(props).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("ssl.truststore.location", truststore.toString()).containsEntry("ssl.truststore.type", "PKCS12")
        .containsEntry("ssl.truststore.password", "trust-pw");
    assertThat(props.get("sasl.jaas.config")).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule "
        + "required username=\"session-service\" password=\"s3cr\\\"et\\\\pw\";");
  }

  @Test
  void plainUsesThePlainLoginModule() {
    Map<String, String> env = sasl();
    env.put("KAFKA_SASL_MECHANISM", "plain");
    assertThat(security(env).clientProperties().get("sasl.jaas.config"))
        .startsWith("org.apache.kafka.common.security.plain.PlainLoginModule required");
  }

  @Test
  void thePasswordCanComeFromAFile() throws Exception {
    Map<String, String> env = sasl();
    env.remove("KAFKA_SASL_PASSWORD");
    env.put("KAFKA_SASL_PASSWORD_FILE", Files.writeString(dir.resolve("pw"), "from-file\n").toString());
    assertThat(security(env).clientProperties().get("sasl.jaas.config")).contains("password=\"from-file\"");
  }

  @Test
  void mutualTlsWithAKeystoreAndNoHostNameCheck() {
    Map<String, String> env = new HashMap<>(Map.of("KAFKA_SECURITY_PROTOCOL", "ssl",
        "KAFKA_SSL_KEYSTORE_LOCATION", keystore.toString(), "KAFKA_SSL_KEYSTORE_PASSWORD", "key-pw",
        "KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", "none"));
    KafkaSecurity s = security(env);
    assertThat(s.clientProperties()).containsEntry("security.protocol", "SSL")
        .containsEntry("ssl.keystore.type", "JKS").containsEntry("ssl.keystore.password", "key-pw")
        .containsEntry("ssl.endpoint.identification.algorithm", "")
        .doesNotContainKey("sasl.jaas.config");
    assertThat(s.principalDescription()).contains("KAFKA_SSL_KEYSTORE_LOCATION");
  }

  @Test
  void invalidCombinationsNameTheVariable() {
    assertThatThrownBy(() -> security(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("KAFKA_SECURITY_PROTOCOL")
        .hasMessageContaining("in clear");
    assertThatThrownBy(() -> security(Map.of("KAFKA_SASL_USERNAME", "u")))
        .hasMessageContaining("KAFKA_SASL_USERNAME is set, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT");
    assertThatThrownBy(() -> security(Map.of("KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_SASL_PASSWORD", PASSWORD)))
        .hasMessageContaining("KAFKA_SASL_PASSWORD is set").hasMessageNotContaining(PASSWORD);
    assertThatThrownBy(() -> security(Map.of("KAFKA_SSL_TRUSTSTORE_LOCATION", truststore.toString())))
        .hasMessageContaining("KAFKA_SSL_TRUSTSTORE_LOCATION is set, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT");

    Map<String, String> noMechanism = sasl();
    noMechanism.remove("KAFKA_SASL_MECHANISM");
    assertThatThrownBy(() -> security(noMechanism)).hasMessageContaining("KAFKA_SASL_MECHANISM is required");
    Map<String, String> badMechanism = sasl();
    badMechanism.put("KAFKA_SASL_MECHANISM", "GSSAPI");
    assertThatThrownBy(() -> security(badMechanism)).hasMessageContaining("KAFKA_SASL_MECHANISM must be");
    Map<String, String> noPassword = sasl();
    noPassword.remove("KAFKA_SASL_PASSWORD");
    assertThatThrownBy(() -> security(noPassword)).hasMessageContaining("KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)");
    Map<String, String> noUser = sasl();
    noUser.remove("KAFKA_SASL_USERNAME");
    assertThatThrownBy(() -> security(noUser)).hasMessageContaining("KAFKA_SASL_USERNAME is required")
        .hasMessageNotContaining(PASSWORD);
    Map<String, String> missingStore = sasl();
    missingStore.put("KAFKA_SSL_TRUSTSTORE_LOCATION", dir.resolve("absent.p12").toString());
    assertThatThrownBy(() -> security(missingStore)).hasMessageContaining("KAFKA_SSL_TRUSTSTORE_LOCATION is not a readable file");
    Map<String, String> storeWithoutPassword = sasl();
    storeWithoutPassword.remove("KAFKA_SSL_TRUSTSTORE_PASSWORD");
    assertThatThrownBy(() -> security(storeWithoutPassword)).hasMessageContaining("KAFKA_SSL_TRUSTSTORE_PASSWORD");
    Map<String, String> badType = sasl();
    badType.put("KAFKA_SSL_TRUSTSTORE_TYPE", "BKS");
    assertThatThrownBy(() -> security(badType)).hasMessageContaining("KAFKA_SSL_TRUSTSTORE_TYPE must be");
    Map<String, String> passwordOnly = sasl();
    passwordOnly.put("KAFKA_SSL_KEYSTORE_PASSWORD", "x");
    assertThatThrownBy(() -> security(passwordOnly))
        .hasMessageContaining("KAFKA_SSL_KEYSTORE_PASSWORD is set without KAFKA_SSL_KEYSTORE_LOCATION");
    Map<String, String> badAlgorithm = sasl();
    badAlgorithm.put("KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", "http");
    assertThatThrownBy(() -> security(badAlgorithm)).hasMessageContaining("KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM");
  }

  @Test
  void aPemTruststoreNeedsNoPassword() throws Exception {
    Map<String, String> env = sasl();
    env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", Files.writeString(dir.resolve("ca.pem"), "pem").toString());
    env.remove("KAFKA_SSL_TRUSTSTORE_PASSWORD");
    assertThat(security(env).clientProperties()).containsEntry("ssl.truststore.type", "PEM")
        .doesNotContainKey("ssl.truststore.password");
  }

  @Test
  void aPropertiesFileAddsAnyClientPropertyAndCanCarryTheWholeSecuritySetup() throws Exception {
    Path file = dir.resolve("client.properties");
    Files.writeString(file, String.join("\n", "security.protocol=SASL_SSL", "sasl.mechanism=PLAIN",
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"k\" password=\""
            + "from-props\";", "client.dns.lookup=use_all_dns_ips", "ssl.truststore.password=tpw"));
    KafkaSecurity s = security(Map.of("KAFKA_PROPERTIES_FILE", file.toString()));
    assertThat(s.clientProperties()).containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("client.dns.lookup", "use_all_dns_ips").containsKey("sasl.jaas.config");
    assertThat(s.toString()).doesNotContain("from-props").doesNotContain("tpw").contains("client.dns.lookup");

    // one property in two places: refused, naming both
    assertThatThrownBy(() -> security(Map.of("KAFKA_PROPERTIES_FILE", file.toString(),
        "KAFKA_SASL_MECHANISM", "PLAIN"))).hasMessageContaining("KAFKA_SASL_MECHANISM and KAFKA_PROPERTIES_FILE");
    // the suite's own guarantees cannot be turned off from the file
    for (String owned : List.of("enable.idempotence=false", "acks=1", "enable.auto.commit=true",
        "bootstrap.servers=x:1")) {
      Path bad = Files.writeString(dir.resolve("bad.properties"), owned);
      assertThatThrownBy(() -> security(Map.of("KAFKA_PROPERTIES_FILE", bad.toString())))
          .hasMessageContaining("KAFKA_PROPERTIES_FILE may not set " + owned.substring(0, owned.indexOf('=')));
    }
    assertThatThrownBy(() -> security(Map.of("KAFKA_PROPERTIES_FILE", dir.resolve("none").toString())))
        .hasMessageContaining("KAFKA_PROPERTIES_FILE cannot be read");
  }

  @Test
  void noSecretInToStringOfTheSettingsNorInAnyClientConfigLabel() {
    KafkaSettings settings = KafkaSettings.fromEnv(new Env(sasl()), "session-service");
    assertThat(settings.toString()).doesNotContain("s3cr").doesNotContain("trust-pw").contains("SASL_SSL")
        .contains("[hidden]");
    // every client carries the security properties, and the suite's own settings stay on top
    for (Map<String, String> config : List.of(settings.producerConfig("p"), settings.consumerConfig("g", "c"),
        settings.readerConfig("r"), settings.adminConfig())) {
      assertThat(config).containsEntry("security.protocol", "SASL_SSL").containsKey("sasl.jaas.config")
          .containsEntry("bootstrap.servers", "127.0.0.1:9092");
    }
    assertThat(settings.producerConfig("p")).containsEntry("enable.idempotence", "true").containsEntry("acks", "all");
  }

  @Test
  void kafkaErrorsNameTheVariablesOfARejectedLogin() {
    KafkaSecurity s = security(sasl());
    String message = KafkaErrors.explain(new RuntimeException(
        new org.apache.kafka.common.errors.SaslAuthenticationException("invalid credentials")), s);
    assertThat(message).contains("User:session-service", "KAFKA_SASL_PASSWORD", "SCRAM-SHA-512")
        .doesNotContain("s3cr");
    assertThat(KafkaErrors.explain(new org.apache.kafka.common.errors.GroupAuthorizationException("no", "g1"), s))
        .contains("consumer group g1");
  }
}
