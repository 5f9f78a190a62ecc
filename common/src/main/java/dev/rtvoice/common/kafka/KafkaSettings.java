package dev.rtvoice.common.kafka;

import dev.rtvoice.common.config.Env;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Client settings shared by every service. Producers are idempotent with {@code acks=all}, so a
 * write that was acknowledged survives a broker failover and a retried write is never duplicated;
 * consumers never auto-commit, so an offset moves only after its record's effect is durable. Every
 * client (producer, consumer, reader, admin) carries the same {@link KafkaSecurity}: TLS, SASL and
 * the properties of {@code KAFKA_PROPERTIES_FILE}.
 */
public record KafkaSettings(
    String bootstrapServers,
    String clientIdPrefix,
    Duration deliveryTimeout,
    int lingerMs,
    Duration sessionTimeout,
    String groupInstanceId,
    KafkaSecurity security) {

  public KafkaSettings {
    if (security == null) {
      security = KafkaSecurity.plaintext();
    }
  }

  /** Settings for a PLAINTEXT cluster. */
  public KafkaSettings(String bootstrapServers, String clientIdPrefix, Duration deliveryTimeout, int lingerMs,
                       Duration sessionTimeout, String groupInstanceId) {
    this(bootstrapServers, clientIdPrefix, deliveryTimeout, lingerMs, sessionTimeout, groupInstanceId,
        KafkaSecurity.plaintext());
  }

  /**
   * From the environment: {@code KAFKA_BOOTSTRAP_SERVERS} (default {@code 127.0.0.1:9092}),
   * {@code KAFKA_DELIVERY_TIMEOUT} (default 30s: how long an accepted write may wait for the broker
   * before it is reported as failed), {@code KAFKA_LINGER_MS} (default 2),
   * {@code KAFKA_SESSION_TIMEOUT} (default 10s: how fast a dead instance's partitions move),
   * {@code KAFKA_GROUP_INSTANCE_ID} (default none: set it for static group membership, so a restarted
   * instance takes its partitions back without a rebalance), and the security variables of
   * {@link KafkaSecurity#fromEnv}.
   */
  public static KafkaSettings fromEnv(Env env, String serviceName) {
    return new KafkaSettings(
        env.string("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        serviceName,
        env.duration("KAFKA_DELIVERY_TIMEOUT", Duration.ofSeconds(30)),
        env.intInRange("KAFKA_LINGER_MS", 2, 0, 1000),
        env.duration("KAFKA_SESSION_TIMEOUT", Duration.ofSeconds(10)),
        env.optional("KAFKA_GROUP_INSTANCE_ID").orElse(null),
        KafkaSecurity.fromEnv(env));
  }

  public static KafkaSettings of(String bootstrapServers, String clientIdPrefix) {
    return new KafkaSettings(bootstrapServers, clientIdPrefix, Duration.ofSeconds(30), 2, Duration.ofSeconds(10), null);
  }

  /** These settings on a cluster reached with {@code security}. */
  public KafkaSettings withSecurity(KafkaSecurity security) {
    return new KafkaSettings(bootstrapServers, clientIdPrefix, deliveryTimeout, lingerMs, sessionTimeout,
        groupInstanceId, security);
  }

  /** The security properties first: the suite's own settings below are laid over them. */
  private Map<String, String> base() {
    Map<String, String> config = new HashMap<>(security.clientProperties());
    config.put("bootstrap.servers", bootstrapServers);
    return config;
  }

  public Map<String, String> producerConfig(String clientIdSuffix) {
    Map<String, String> config = base();
    config.put("client.id", clientIdPrefix + "-" + clientIdSuffix);
    config.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    config.put("value.serializer", "io.vertx.kafka.client.serialization.BufferSerializer");
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    config.put("max.in.flight.requests.per.connection", "5");
    config.put("linger.ms", Integer.toString(lingerMs));
    config.put("compression.type", "lz4");
    long delivery = deliveryTimeout.toMillis();
    long request = Math.min(10_000, Math.max(1_000, delivery / 3));
    config.put("request.timeout.ms", Long.toString(request));
    // delivery.timeout.ms must be at least linger.ms + request.timeout.ms
    config.put("delivery.timeout.ms", Long.toString(Math.max(delivery, request + lingerMs)));
    // send() blocks while metadata is missing; keep that short, it happens on the calling thread
    config.put("max.block.ms", "5000");
    return config;
  }

  public Map<String, String> consumerConfig(String groupId, String clientIdSuffix) {
    Map<String, String> config = base();
    config.put("client.id", clientIdPrefix + "-" + clientIdSuffix);
    config.put("group.id", groupId);
    config.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    config.put("value.deserializer", "io.vertx.kafka.client.serialization.BufferDeserializer");
    config.put("enable.auto.commit", "false");
    config.put("auto.offset.reset", "earliest");
    config.put("max.poll.records", "500");
    config.put("session.timeout.ms", Long.toString(sessionTimeout.toMillis()));
    config.put("heartbeat.interval.ms", Long.toString(Math.max(500, sessionTimeout.toMillis() / 3)));
    if (groupInstanceId != null) {
      config.put("group.instance.id", groupInstanceId + "-" + clientIdSuffix);
    }
    return config;
  }

  /** A consumer outside any group that reads partitions it assigns itself (restores, tests). */
  public Map<String, String> readerConfig(String clientIdSuffix) {
    Map<String, String> config = base();
    config.put("client.id", clientIdPrefix + "-" + clientIdSuffix);
    config.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    config.put("value.deserializer", "io.vertx.kafka.client.serialization.BufferDeserializer");
    config.put("enable.auto.commit", "false");
    config.put("auto.offset.reset", "earliest");
    config.put("max.poll.records", "2000");
    return config;
  }

  public Map<String, String> adminConfig() {
    Map<String, String> config = base();
    config.put("client.id", clientIdPrefix + "-admin");
    config.put("request.timeout.ms", "5000");
    config.put("default.api.timeout.ms", "10000");
    return config;
  }
}
