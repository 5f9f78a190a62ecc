package dev.rtvoice.tokens.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.tokens.domain.AnswerSeal;
import dev.rtvoice.tokens.domain.RateLimiter;
import dev.rtvoice.tokens.domain.SessionSettingsPolicy;
import dev.rtvoice.tokens.kafka.TokenEventProducer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Settings of token-service, from the environment. Every variable, its default and its meaning is
 * listed in the module README; a value that does not parse stops the start with a message naming it.
 *
 * @param host {@code HTTP_HOST}, default 0.0.0.0
 * @param port {@code HTTP_PORT}, default 8081
 * @param instances {@code HTTP_INSTANCES}, default the number of cores: event loops serving the API
 * @param devMode {@code DEV_MODE}, default false
 * @param handleCodec signs rotation tokens ({@code SESSION_HANDLE_KEY}, {@code SESSION_HANDLE_PREVIOUS_KEY})
 * @param handleGrace {@code SESSION_HANDLE_GRACE}, default 60s: how long after its secret expired a
 *     rotation token still rotates
 * @param rotationLead {@code ROTATION_LEAD}, default 30s: rotate_at is this long before expires_at
 * @param instructions {@code REALTIME_INSTRUCTIONS} or {@code REALTIME_INSTRUCTIONS_FILE}, default none
 * @param tools {@code REALTIME_TOOLS_FILE}: a JSON array of tool definitions, default none
 * @param corsOrigins {@code CORS_ALLOWED_ORIGINS}: allowed browser origins
 * @param eventsCompression {@code TOKEN_EVENTS_COMPRESSION}, default none: Kafka codec of token events
 * @param eventDeadline {@code TOKEN_EVENT_DEADLINE}, default 3s: how long an issuance or rotation
 *     answer waits for its records to be durable on Kafka before it becomes a 503
 * @param replayGrace {@code ROTATION_REPLAY_GRACE}, default 10s: how long after a rotation the token
 *     it was made from gets the same answer again (a retry after a lost answer) instead of revoking
 * @param answerSeal encrypts rotation answers in the ledger, under a key derived from the
 *     rotation-token key
 * @param ledgerRetention retention of the rotation ledger topic: longer than any rotation token lives
 * @param outbox the local outbox that issuance and rotation events are made durable in before the answer,
 *     or null when the answer waits for Kafka ({@code TOKEN_EVENT_DURABILITY=kafka})
 * @param deniedEventsPerSecond {@code TOKEN_DENIED_EVENTS_PER_SECOND}, default 50: the most
 *     {@code token.denied} events one instance writes per second (burst twice that); refusals past it
 *     are answered and counted, not written
 */
public record TokenServiceConfig(
    String host,
    int port,
    int instances,
    boolean devMode,
    KafkaSettings kafka,
    Topics topics,
    UpstreamSettings upstream,
    AuthSettings auth,
    SessionHandleCodec handleCodec,
    Duration handleGrace,
    Duration rotationLead,
    SessionSettingsPolicy policy,
    String instructions,
    JsonArray tools,
    RateLimiter.Limit userLimit,
    RateLimiter.Limit deviceLimit,
    List<String> corsOrigins,
    String eventsCompression,
    Duration eventDeadline,
    Duration replayGrace,
    AnswerSeal answerSeal,
    Duration ledgerRetention,
    OutboxSettings outbox,
    int deniedEventsPerSecond) {

  public static final String SERVICE_NAME = "token-service";
  /** Largest request body accepted; larger ones get 413. */
  public static final int MAX_BODY_BYTES = 16 * 1024;

  static final List<String> DEFAULT_MODELS = List.of("gpt-realtime");
  static final List<String> DEFAULT_VOICES =
      List.of("marin", "cedar", "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse");
  static final List<String> DEV_CORS_ORIGINS = List.of("http://localhost:*", "http://127.0.0.1:*");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.-]+(:(\\d{1,5}|\\*))?");

  public static TokenServiceConfig fromEnv(Env env) {
    return fromEnv(env, Clock.systemUTC());
  }

  public static TokenServiceConfig fromEnv(Env env, Clock clock) {
    boolean devMode = env.bool("DEV_MODE", false);
    List<String> models = names(env, "REALTIME_MODELS", DEFAULT_MODELS);
    List<String> voices = names(env, "REALTIME_VOICES", DEFAULT_VOICES);
    String defaultModel = env.string("REALTIME_DEFAULT_MODEL", models.get(0));
    String defaultVoice = env.string("REALTIME_DEFAULT_VOICE", voices.get(0));
    if (!models.contains(defaultModel)) {
      throw new ConfigException("REALTIME_DEFAULT_MODEL '" + defaultModel + "' is not in REALTIME_MODELS " + models);
    }
    if (!voices.contains(defaultVoice)) {
      throw new ConfigException("REALTIME_DEFAULT_VOICE '" + defaultVoice + "' is not in REALTIME_VOICES " + voices);
    }
    // upstream accepts 10 s .. 2 h; the suite's guardrail is short-lived secrets (1 to 5 minutes)
    int minTtl = env.intInRange("TOKEN_TTL_MIN", 60, 10, 7200);
    int maxTtl = env.intInRange("TOKEN_TTL_MAX", 300, 10, 7200);
    int defaultTtl = env.intInRange("TOKEN_TTL_DEFAULT", 300, 10, 7200);
    if (minTtl > maxTtl || defaultTtl < minTtl || defaultTtl > maxTtl) {
      throw new ConfigException("TOKEN_TTL_MIN (" + minTtl + ") <= TOKEN_TTL_DEFAULT (" + defaultTtl
          + ") <= TOKEN_TTL_MAX (" + maxTtl + ") must hold");
    }
    Duration lead = env.duration("ROTATION_LEAD", Duration.ofSeconds(30));
    if (lead.toSeconds() >= minTtl) {
      throw new ConfigException("ROTATION_LEAD (" + lead.toSeconds() + " s) must be shorter than TOKEN_TTL_MIN ("
          + minTtl + " s)");
    }
    Duration grace = env.duration("SESSION_HANDLE_GRACE", Duration.ofSeconds(60));
    if (grace.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new ConfigException("SESSION_HANDLE_GRACE must be at most 10m, got " + grace.toSeconds() + " s");
    }
    Duration eventDeadline = env.duration("TOKEN_EVENT_DEADLINE", Duration.ofSeconds(3));
    if (eventDeadline.compareTo(Duration.ofMillis(500)) < 0 || eventDeadline.compareTo(Duration.ofSeconds(30)) > 0) {
      throw new ConfigException("TOKEN_EVENT_DEADLINE must be between 500ms and 30s, got " + eventDeadline.toMillis()
          + " ms");
    }
    Duration replayGrace = env.duration("ROTATION_REPLAY_GRACE", Duration.ofSeconds(10));
    if (replayGrace.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new ConfigException("ROTATION_REPLAY_GRACE must be at most 60s, got " + replayGrace.toSeconds() + " s");
    }
    SessionHandleCodec codec = SessionHandleCodec.fromEnv(env, devMode, clock);
    // the codec has checked the key (and refused a missing one outside dev mode)
    AnswerSeal seal = new AnswerSeal(env.secret("SESSION_HANDLE_KEY").orElse(SessionHandleCodec.DEV_KEY),
        env.secret("SESSION_HANDLE_PREVIOUS_KEY").orElse(null));
    // a family's newest record is at most a secret's TTL plus the handle grace old while any of its tokens works
    Duration tokenLife = Duration.ofSeconds(maxTtl).plus(grace);
    Duration ledgerRetention = tokenLife.multipliedBy(2).compareTo(Duration.ofHours(1)) > 0
        ? tokenLife.multipliedBy(2) : Duration.ofHours(1);
    return new TokenServiceConfig(
        env.string("HTTP_HOST", "0.0.0.0"),
        env.intInRange("HTTP_PORT", 8081, 0, 65535),
        env.intInRange("HTTP_INSTANCES", Runtime.getRuntime().availableProcessors(), 1, 64),
        devMode,
        KafkaSettings.fromEnv(env, SERVICE_NAME),
        Topics.fromEnv(env),
        UpstreamSettings.fromEnv(env),
        AuthSettings.fromEnv(env, devMode),
        codec,
        grace,
        lead,
        new SessionSettingsPolicy(models, defaultModel, voices, defaultVoice, defaultTtl, minTtl, maxTtl),
        instructions(env),
        tools(env),
        new RateLimiter.Limit(env.intInRange("RATE_LIMIT_USER_PER_MINUTE", 30, 0, 1_000_000),
            env.intInRange("RATE_LIMIT_USER_BURST", 10, 1, 1_000_000)),
        new RateLimiter.Limit(env.intInRange("RATE_LIMIT_DEVICE_PER_MINUTE", 12, 0, 1_000_000),
            env.intInRange("RATE_LIMIT_DEVICE_BURST", 5, 1, 1_000_000)),
        corsOrigins(env, devMode),
        eventsCompression(env),
        eventDeadline,
        replayGrace,
        seal,
        ledgerRetention,
        OutboxSettings.fromEnv(env),
        env.intInRange("TOKEN_DENIED_EVENTS_PER_SECOND", 50, 1, 1_000_000));
  }

  private static List<String> names(Env env, String variable, List<String> defaults) {
    List<String> names = env.list(variable, defaults);
    if (names.isEmpty()) {
      throw new ConfigException(variable + " must name at least one value");
    }
    for (String name : names) {
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException(variable + " entries must match " + NAME.pattern() + ", got '" + name + "'");
      }
    }
    return List.copyOf(names);
  }

  private static String instructions(Env env) {
    return env.secret("REALTIME_INSTRUCTIONS").orElse(null);
  }

  private static JsonArray tools(Env env) {
    var file = env.optional("REALTIME_TOOLS_FILE");
    if (file.isEmpty()) {
      return new JsonArray();
    }
    try {
      JsonArray tools = new JsonArray(Files.readString(Path.of(file.get())));
      for (Object tool : tools) {
        if (!(tool instanceof io.vertx.core.json.JsonObject)) {
          throw new ConfigException("REALTIME_TOOLS_FILE must hold a JSON array of tool objects");
        }
      }
      return tools;
    } catch (IOException e) {
      throw new ConfigException("REALTIME_TOOLS_FILE cannot be read: " + e.getClass().getSimpleName());
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("REALTIME_TOOLS_FILE must hold a JSON array of tool objects");
    }
  }

  private static String eventsCompression(Env env) {
    String codec = env.string("TOKEN_EVENTS_COMPRESSION", "none");
    if (!TokenEventProducer.CODECS.contains(codec)) {
      throw new ConfigException("TOKEN_EVENTS_COMPRESSION must be one of " + new java.util.TreeSet<>(
          TokenEventProducer.CODECS) + ", got '" + codec + "'");
    }
    return codec;
  }

  private static List<String> corsOrigins(Env env, boolean devMode) {
    List<String> origins = env.list("CORS_ALLOWED_ORIGINS", devMode ? DEV_CORS_ORIGINS : List.of());
    for (String origin : origins) {
      if (!"*".equals(origin) && !ORIGIN.matcher(origin).matches()) {
        throw new ConfigException("CORS_ALLOWED_ORIGINS entries must be origins such as https://app.example.com "
            + "or http://localhost:* (any port), or *; got '" + origin + "'");
      }
    }
    return List.copyOf(origins);
  }
}
