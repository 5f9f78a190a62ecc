package dev.rtvoice.alerting.config;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.Topics;

/**
 * Settings of alerting-service, from the environment.
 *
 * @param host {@code HTTP_HOST}, default 0.0.0.0
 * @param port {@code HTTP_PORT}, default 8084
 * @param kafka the Kafka client settings ({@code KAFKA_*}, see {@link KafkaSettings#fromEnv})
 * @param topics topic names and settings ({@code KAFKA_TOPIC_*}, see {@link Topics#fromEnv})
 */
public record AlertingServiceConfig(String host, int port, KafkaSettings kafka, Topics topics) {
  public static final String SERVICE_NAME = "alerting-service";

  public static AlertingServiceConfig fromEnv(Env env) {
    return new AlertingServiceConfig(
        env.string("HTTP_HOST", "0.0.0.0"),
        env.intInRange("HTTP_PORT", 8084, 0, 65535),
        KafkaSettings.fromEnv(env, SERVICE_NAME),
        Topics.fromEnv(env));
  }
}
