package dev.rtvoice.sessions.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.sessions.domain.MachineSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Settings of session-service, from the environment (README "Configuration" lists each with its
 * default).
 *
 * @param host {@code HTTP_HOST}, default 0.0.0.0
 * @param port {@code HTTP_PORT}, default 8082
 * @param kafka the Kafka client settings ({@code KAFKA_*}, see {@link KafkaSettings#fromEnv})
 * @param topics topic names and settings ({@code KAFKA_TOPIC_*}, see {@link Topics#fromEnv})
 * @param devMode {@code DEV_MODE}, default false: allows the development handle key and local origins
 * @param handles verifies rotation tokens ({@code SESSION_HANDLE_KEY}, {@code SESSION_HANDLE_PREVIOUS_KEY})
 * @param upstream the sideband's endpoint and key ({@code UPSTREAM_BASE_URL}, {@code OPENAI_API_KEY})
 * @param machine the state machine's timeouts and bounds, and the false-interruption policy
 *     ({@code INTERRUPT_MIN_SPEECH_MS}, {@code INTERRUPT_MIN_WORDS}, {@code INTERRUPT_TRANSCRIPT_WAIT})
 * @param maxBatch {@code EVENTS_MAX_BATCH}, default 100: event summaries per request
 * @param replyTimeout {@code REPLY_TIMEOUT}, default 2s: how long interrupt/recover wait for the owner
 * @param maxClockAhead {@code MAX_CLOCK_AHEAD}, default 5m: how far a client's event time may run ahead
 * @param tickInterval {@code TIMEOUT_CHECK_INTERVAL}, default 100ms: how often quiet sessions' clocks move
 * @param operatorToken {@code OPERATOR_TOKEN} (or {@code _FILE}): bearer token of the console's reads
 * @param corsOrigins {@code CORS_ALLOWED_ORIGINS}: browser origins allowed to call the API
 * @param consumerGroup {@code SESSION_CONSUMER_GROUP}, default {@code <topic prefix>session-service}
 * @param ingress the ingress's rate limits and request deadline ({@code RATE_LIMIT_*}, {@code REQUEST_DEADLINE})
 * @param owner the command log's owner: stall timeout, batch size ({@code OWNER_*})
 * @param calls the upstream call's hand-over, liveness and budgets ({@code ROLLOVER_*}, {@code LIVENESS_GRACE},
 *     {@code BUDGET_*}); its {@link CallSettings#limits()} are also the machine's
 */
public record SessionServiceConfig(
    String host,
    int port,
    KafkaSettings kafka,
    Topics topics,
    boolean devMode,
    SessionHandleCodec handles,
    UpstreamSettings upstream,
    MachineSettings machine,
    int maxBatch,
    Duration replyTimeout,
    Duration maxClockAhead,
    Duration tickInterval,
    Optional<String> operatorToken,
    List<String> corsOrigins,
    String consumerGroup,
    Clock clock,
    IngressSettings ingress,
    OwnerSettings owner,
    CallSettings calls) {
  public static final String SERVICE_NAME = "session-service";
  static final List<String> DEV_CORS_ORIGINS = List.of("http://localhost:*", "http://127.0.0.1:*");

  public static SessionServiceConfig fromEnv(Env env) {
    return fromEnv(env, Clock.systemUTC());
  }

  /** With an injected clock: tests move time instead of waiting for it. */
  public static SessionServiceConfig fromEnv(Env env, Clock clock) {
    boolean devMode = env.bool("DEV_MODE", false);
    Topics topics = Topics.fromEnv(env);
    CallSettings calls = CallSettings.fromEnv(env);
    MachineSettings machine = new MachineSettings(
        positive(env, "THINKING_TIMEOUT", Duration.ofSeconds(8)),
        positive(env, "CANCEL_ACK_TIMEOUT", Duration.ofMillis(1500)),
        positive(env, "ORDER_GAP_TIMEOUT", Duration.ofSeconds(2)),
        env.intInRange("ORDER_MAX_HELD", 32, 1, 1000),
        env.intInRange("SUMMARY_MAX_CHARS", 2000, 100, 100_000),
        env.duration("ROTATION_LEAD", Duration.ofSeconds(30)).toMillis(),
        positive(env, "SESSION_IDLE_TIMEOUT", Duration.ofMinutes(30)),
        env.duration("SESSION_RETENTION", Duration.ofHours(1)).toMillis(),
        env.intInRange("INTERRUPT_MIN_SPEECH_MS", 0, 0, 60_000),
        env.intInRange("INTERRUPT_MIN_WORDS", 0, 0, 100),
        positive(env, "INTERRUPT_TRANSCRIPT_WAIT", Duration.ofMillis(MachineSettings.DEFAULT_TRANSCRIPT_WAIT_MS)))
        .withCallLimits(calls.limits());
    List<String> origins = env.list("CORS_ALLOWED_ORIGINS", devMode ? DEV_CORS_ORIGINS : List.of());
    for (String origin : origins) {
      if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
        throw new ConfigException("CORS_ALLOWED_ORIGINS entries must be origins such as https://app.example.com "
            + "(or * / http://localhost:*), got '" + origin + "'");
      }
    }
    Duration tick = Duration.ofMillis(positive(env, "TIMEOUT_CHECK_INTERVAL", Duration.ofMillis(100)));
    return new SessionServiceConfig(
        env.string("HTTP_HOST", "0.0.0.0"),
        env.intInRange("HTTP_PORT", 8082, 0, 65535),
        KafkaSettings.fromEnv(env, SERVICE_NAME),
        topics,
        devMode,
        SessionHandleCodec.fromEnv(env, devMode, clock),
        UpstreamSettings.fromEnv(env),
        machine,
        env.intInRange("EVENTS_MAX_BATCH", 100, 1, 1000),
        Duration.ofMillis(positive(env, "REPLY_TIMEOUT", Duration.ofSeconds(2))),
        env.duration("MAX_CLOCK_AHEAD", Duration.ofMinutes(5)),
        tick,
        env.secret("OPERATOR_TOKEN"),
        origins,
        env.string("SESSION_CONSUMER_GROUP", topics.prefix() + SERVICE_NAME),
        clock,
        IngressSettings.fromEnv(env),
        OwnerSettings.fromEnv(env),
        calls);
  }

  private static long positive(Env env, String name, Duration defaultValue) {
    Duration d = env.duration(name, defaultValue);
    if (d.isZero() || d.isNegative()) {
      throw new ConfigException(name + " must be positive");
    }
    return d.toMillis();
  }

  @Override
  public String toString() {
    // the handle codec and the upstream key are secrets; the record's default would not print them
    // (no toString of their own), but say so explicitly
    return "SessionServiceConfig[host=" + host + ", port=" + port + ", topics=" + topics.prefix() + "*, devMode="
        + devMode + ", upstream=" + upstream + ", machine=" + machine + ", maxBatch=" + maxBatch + "]";
  }
}
