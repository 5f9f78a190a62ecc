package dev.rtvoice.stack;

import dev.rtvoice.common.config.Env;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Settings of the local stack.
 *
 * @param dataDir {@code STACK_DATA_DIR}, default {@code .suite-data}: the broker's data, kept across runs
 * @param kafkaPort {@code STACK_KAFKA_PORT}, default 19092 (a kept broker reuses the port it first had)
 * @param kafkaControllerPort {@code STACK_KAFKA_CONTROLLER_PORT}, default 19093
 * @param externalKafka {@code KAFKA_BOOTSTRAP_SERVERS}: use that cluster instead of starting a broker
 * @param openAiApiKey {@code OPENAI_API_KEY} (or {@code _FILE}): talk to the real upstream, not the simulator
 * @param consolePort {@code CONSOLE_PORT}, default 8080: the operator console and the client library
 */
public record StackConfig(
    Path dataDir,
    int kafkaPort,
    int kafkaControllerPort,
    Optional<String> externalKafka,
    Optional<String> openAiApiKey,
    int tokenPort,
    int sessionPort,
    int metricsPort,
    int alertingPort,
    int simPort,
    int consolePort) {

  public static StackConfig fromEnv(Env env) {
    return new StackConfig(
        Path.of(env.string("STACK_DATA_DIR", ".suite-data")),
        env.intInRange("STACK_KAFKA_PORT", 19092, 1, 65535),
        env.intInRange("STACK_KAFKA_CONTROLLER_PORT", 19093, 1, 65535),
        env.optional("KAFKA_BOOTSTRAP_SERVERS"),
        env.secret("OPENAI_API_KEY"),
        env.intInRange("TOKEN_SERVICE_PORT", 8081, 1, 65535),
        env.intInRange("SESSION_SERVICE_PORT", 8082, 1, 65535),
        env.intInRange("METRICS_SERVICE_PORT", 8083, 1, 65535),
        env.intInRange("ALERTING_SERVICE_PORT", 8084, 1, 65535),
        env.intInRange("UPSTREAM_SIM_PORT", 8090, 1, 65535),
        env.intInRange("CONSOLE_PORT", 8080, 1, 65535));
  }
}
