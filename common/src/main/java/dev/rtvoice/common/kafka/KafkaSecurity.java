package dev.rtvoice.common.kafka;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * How the services reach a secured cluster: TLS (a truststore, and a keystore for mutual TLS), SASL
 * (SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN, always over TLS), and any other client property from a
 * file. Every combination is checked when the service starts, and a wrong one stops it with a
 * message that names the variable. Passwords never reach a log line, an error or {@link #toString()}:
 * Kafka's own config logging prints them as {@code [hidden]}.
 */
public final class KafkaSecurity {
  public static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_SSL");
  public static final Set<String> MECHANISMS = Set.of("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN");
  public static final Set<String> STORE_TYPES = Set.of("JKS", "PKCS12", "PEM");

  /** Client properties the suite sets itself, for correctness; the properties file may not change them. */
  static final Set<String> SUITE_OWNED = Set.of("bootstrap.servers", "client.id", "group.id", "group.instance.id",
      "key.serializer", "value.serializer", "key.deserializer", "value.deserializer", "enable.idempotence", "acks",
      "enable.auto.commit", "transactional.id");

  private static final Map<String, String> VARIABLE_OF_PROPERTY = Map.ofEntries(
      Map.entry("security.protocol", "KAFKA_SECURITY_PROTOCOL"),
      Map.entry("sasl.mechanism", "KAFKA_SASL_MECHANISM"),
      Map.entry("sasl.jaas.config", "KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD"),
      Map.entry("ssl.truststore.location", "KAFKA_SSL_TRUSTSTORE_LOCATION"),
      Map.entry("ssl.truststore.password", "KAFKA_SSL_TRUSTSTORE_PASSWORD"),
      Map.entry("ssl.truststore.type", "KAFKA_SSL_TRUSTSTORE_TYPE"),
      Map.entry("ssl.keystore.location", "KAFKA_SSL_KEYSTORE_LOCATION"),
      Map.entry("ssl.keystore.password", "KAFKA_SSL_KEYSTORE_PASSWORD"),
      Map.entry("ssl.keystore.type", "KAFKA_SSL_KEYSTORE_TYPE"),
      Map.entry("ssl.key.password", "KAFKA_SSL_KEY_PASSWORD"),
      Map.entry("ssl.endpoint.identification.algorithm", "KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM"));

  private static final String REDACTED = "[hidden]";

  private final Map<String, String> properties;
  private final String protocol;
  private final String mechanism;
  private final String username;
  private final String propertiesFile;

  private KafkaSecurity(Map<String, String> properties, String protocol, String mechanism, String username,
                        String propertiesFile) {
    this.properties = Map.copyOf(properties);
    this.protocol = protocol;
    this.mechanism = mechanism;
    this.username = username;
    this.propertiesFile = propertiesFile;
  }

  /** No TLS, no SASL: a cluster on a trusted network (the local stack, tests). */
  public static KafkaSecurity plaintext() {
    return new KafkaSecurity(Map.of(), "PLAINTEXT", null, null, null);
  }

  /**
   * From the environment; see the root README's Kafka table. {@code KAFKA_PROPERTIES_FILE} is read
   * first and the variables are laid over it; a property set in both places is refused, so that
   * nobody has to guess which one wins.
   */
  public static KafkaSecurity fromEnv(Env env) {
    Map<String, String> props = new LinkedHashMap<>();
    Optional<String> file = env.optional("KAFKA_PROPERTIES_FILE");
    Map<String, String> fromFile = file.map(KafkaSecurity::readPropertiesFile).orElse(Map.of());
    props.putAll(fromFile);

    String protocol = env.optional("KAFKA_SECURITY_PROTOCOL").map(p -> p.toUpperCase(Locale.ROOT)).orElse(null);
    putVariable(props, fromFile, "security.protocol", protocol);
    protocol = props.getOrDefault("security.protocol", "PLAINTEXT").toUpperCase(Locale.ROOT);
    if (!PROTOCOLS.contains(protocol)) {
      throw new ConfigException(source(fromFile, "security.protocol") + " must be one of PLAINTEXT, SSL or SASL_SSL, got '"
          + protocol + "'" + ("SASL_PLAINTEXT".equals(protocol) ? " (SASL without TLS sends the password in clear)" : ""));
    }
    props.put("security.protocol", protocol);
    boolean tls = !protocol.equals("PLAINTEXT");
    boolean sasl = protocol.equals("SASL_SSL");

    String mechanism = sasl(env, props, fromFile, sasl);
    String username = env.optional("KAFKA_SASL_USERNAME").orElse(null);
    tls(env, props, fromFile, tls);
    return new KafkaSecurity(props, protocol, mechanism, username, file.orElse(null));
  }

  private static String sasl(Env env, Map<String, String> props, Map<String, String> fromFile, boolean sasl) {
    List<String> saslVariables = List.of("KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD",
        "KAFKA_SASL_PASSWORD_FILE");
    if (!sasl) {
      for (String variable : saslVariables) {
        if (env.optional(variable).isPresent()) {
          throw new ConfigException(variable + " is set, but KAFKA_SECURITY_PROTOCOL is "
              + props.get("security.protocol") + ": SASL needs KAFKA_SECURITY_PROTOCOL=SASL_SSL");
        }
      }
      return null;
    }
    String mechanism = env.optional("KAFKA_SASL_MECHANISM").map(m -> m.toUpperCase(Locale.ROOT)).orElse(null);
    putVariable(props, fromFile, "sasl.mechanism", mechanism);
    mechanism = Optional.ofNullable(props.get("sasl.mechanism")).map(m -> m.toUpperCase(Locale.ROOT))
        .orElseThrow(() -> new ConfigException("KAFKA_SASL_MECHANISM is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL"
            + " (SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN)"));
    if (!MECHANISMS.contains(mechanism)) {
      throw new ConfigException(source(fromFile, "sasl.mechanism")
          + " must be SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN, got '" + mechanism + "'");
    }
    props.put("sasl.mechanism", mechanism);

    Optional<String> username = env.optional("KAFKA_SASL_USERNAME");
    Optional<String> password = env.secret("KAFKA_SASL_PASSWORD");
    if (username.isEmpty() && password.isEmpty()) {
      if (!fromFile.containsKey("sasl.jaas.config")) {
        throw new ConfigException("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) are "
            + "required with KAFKA_SECURITY_PROTOCOL=SASL_SSL");
      }
      return mechanism;
    }
    if (username.isEmpty()) {
      throw new ConfigException("KAFKA_SASL_USERNAME is required when KAFKA_SASL_PASSWORD is set");
    }
    if (password.isEmpty()) {
      throw new ConfigException("KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required when "
          + "KAFKA_SASL_USERNAME is set");
    }
    String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    putVariable(props, fromFile, "sasl.jaas.config", module + " required username=\"" + jaasQuoted(username.get())
        + "\" password=\"" + jaasQuoted(password.get()) + "\";");
    return mechanism;
  }

  private static void tls(Env env, Map<String, String> props, Map<String, String> fromFile, boolean tls) {
    List<String> tlsVariables = List.of("KAFKA_SSL_TRUSTSTORE_LOCATION", "KAFKA_SSL_TRUSTSTORE_PASSWORD",
        "KAFKA_SSL_TRUSTSTORE_PASSWORD_FILE", "KAFKA_SSL_TRUSTSTORE_TYPE", "KAFKA_SSL_KEYSTORE_LOCATION",
        "KAFKA_SSL_KEYSTORE_PASSWORD", "KAFKA_SSL_KEYSTORE_PASSWORD_FILE", "KAFKA_SSL_KEYSTORE_TYPE",
        "KAFKA_SSL_KEY_PASSWORD", "KAFKA_SSL_KEY_PASSWORD_FILE", "KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM");
    if (!tls) {
      for (String variable : tlsVariables) {
        if (env.optional(variable).isPresent()) {
          throw new ConfigException(variable + " is set, but KAFKA_SECURITY_PROTOCOL is PLAINTEXT: TLS needs "
              + "KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL");
        }
      }
      return;
    }
    store(env, props, fromFile, "TRUSTSTORE", "truststore");
    store(env, props, fromFile, "KEYSTORE", "keystore");
    Optional<String> keyPassword = env.secret("KAFKA_SSL_KEY_PASSWORD");
    if (keyPassword.isPresent() && !props.containsKey("ssl.keystore.location")) {
      throw new ConfigException("KAFKA_SSL_KEY_PASSWORD is set without KAFKA_SSL_KEYSTORE_LOCATION");
    }
    putVariable(props, fromFile, "ssl.key.password", keyPassword.orElse(null));

    Optional<String> algorithm = env.optional("KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM")
        .map(a -> a.toLowerCase(Locale.ROOT));
    if (algorithm.isPresent() && !Set.of("https", "none").contains(algorithm.get())) {
      throw new ConfigException("KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM must be https (check the broker's host "
          + "name against its certificate, the default) or none, got '" + algorithm.get() + "'");
    }
    // "none" because an empty variable reads as unset; Kafka's own spelling of off is the empty string
    putVariable(props, fromFile, "ssl.endpoint.identification.algorithm",
        algorithm.map(a -> a.equals("none") ? "" : a).orElse(null));
  }

  /** One of the two stores: its location must be a readable file, its password set unless it is PEM. */
  private static void store(Env env, Map<String, String> props, Map<String, String> fromFile, String upper,
                            String lower) {
    String prefix = "KAFKA_SSL_" + upper + "_";
    Optional<String> location = env.optional(prefix + "LOCATION");
    Optional<String> password = env.secret(prefix + "PASSWORD");
    Optional<String> type = env.optional(prefix + "TYPE").map(t -> t.toUpperCase(Locale.ROOT));
    if (location.isEmpty()) {
      if (password.isPresent() || type.isPresent()) {
        throw new ConfigException(prefix + (password.isPresent() ? "PASSWORD" : "TYPE") + " is set without "
            + prefix + "LOCATION");
      }
      return;
    }
    Path path = Path.of(location.get());
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new ConfigException(prefix + "LOCATION is not a readable file: " + location.get());
    }
    if (type.isPresent() && !STORE_TYPES.contains(type.get())) {
      throw new ConfigException(prefix + "TYPE must be JKS, PKCS12 or PEM, got '" + type.get() + "'");
    }
    String effectiveType = type.orElse(guessType(path));
    if (password.isEmpty() && !effectiveType.equals("PEM")) {
      throw new ConfigException(prefix + "PASSWORD (or " + prefix + "PASSWORD_FILE) is required with " + prefix
          + "LOCATION (a " + effectiveType + " " + lower + ")");
    }
    putVariable(props, fromFile, "ssl." + lower + ".location", location.get());
    putVariable(props, fromFile, "ssl." + lower + ".type", effectiveType);
    putVariable(props, fromFile, "ssl." + lower + ".password", password.orElse(null));
  }

  private static String guessType(Path path) {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".jks")) {
      return "JKS";
    }
    return name.endsWith(".pem") || name.endsWith(".crt") ? "PEM" : "PKCS12";
  }

  private static void putVariable(Map<String, String> props, Map<String, String> fromFile, String property,
                                  String value) {
    if (value == null) {
      return;
    }
    if (fromFile.containsKey(property)) {
      throw new ConfigException(VARIABLE_OF_PROPERTY.getOrDefault(property, property) + " and KAFKA_PROPERTIES_FILE "
          + "both set " + property + ": set it in one place");
    }
    props.put(property, value);
  }

  private static String source(Map<String, String> fromFile, String property) {
    return fromFile.containsKey(property) ? property + " in KAFKA_PROPERTIES_FILE" : VARIABLE_OF_PROPERTY.get(property);
  }

  private static Map<String, String> readPropertiesFile(String location) {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(Path.of(location), StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("KAFKA_PROPERTIES_FILE cannot be read: " + e.getClass().getSimpleName());
    }
    Map<String, String> props = new LinkedHashMap<>();
    for (String name : p.stringPropertyNames()) {
      if (SUITE_OWNED.contains(name)) {
        throw new ConfigException("KAFKA_PROPERTIES_FILE may not set " + name + ": the suite sets it"
            + (name.equals("bootstrap.servers") ? " from KAFKA_BOOTSTRAP_SERVERS" : " itself, for correctness"));
      }
      props.put(name, p.getProperty(name).trim());
    }
    return props;
  }

  /** JAAS values are double-quoted; a quote or backslash in a password must be escaped. */
  static String jaasQuoted(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** The properties to lay over every client's configuration. */
  public Map<String, String> clientProperties() {
    return properties;
  }

  public String protocol() {
    return protocol;
  }

  /** The SASL mechanism, or null without SASL. */
  public String mechanism() {
    return mechanism;
  }

  /** The SASL user name given in KAFKA_SASL_USERNAME, or null. */
  public String username() {
    return username;
  }

  /** Who the broker will see us as, for messages about missing ACLs: {@code User:<name>} when known. */
  public String principalDescription() {
    if (username != null) {
      return "User:" + username;
    }
    if (properties.containsKey("ssl.keystore.location")) {
      return "the principal of the certificate in KAFKA_SSL_KEYSTORE_LOCATION";
    }
    return protocol.equals("PLAINTEXT") ? "User:ANONYMOUS" : "this service's principal";
  }

  /** Whether a property is a secret, so that it must never be printed. */
  static boolean isSecret(String property) {
    String p = property.toLowerCase(Locale.ROOT);
    return p.endsWith("password") || p.equals("sasl.jaas.config") || p.contains("secret") || p.contains("token")
        || p.equals("ssl.keystore.key");
  }

  @Override
  public String toString() {
    Map<String, String> shown = new LinkedHashMap<>();
    properties.forEach((k, v) -> shown.put(k, isSecret(k) ? REDACTED : v));
    return "KafkaSecurity" + shown + (propertiesFile == null ? "" : " (with " + propertiesFile + ")");
  }
}
