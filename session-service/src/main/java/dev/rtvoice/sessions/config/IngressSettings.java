package dev.rtvoice.sessions.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.limit.IngestLimiter.Rate;
import java.time.Duration;

/**
 * How the HTTP ingress serves and protects the command topic and its clients (README "Configuration"):
 * the event loops serving it, rate limits per session and per user, by events and by bytes, on a
 * bounded number of tracked keys, and the deadline of a write request.
 *
 * <p>The defaults are an order of magnitude above a real voice client (a few events per second, a
 * burst of ten or so at a turn's end, transcripts of at most 4,000 characters): such a client never
 * sees a 429.
 *
 * @param sessionEvents {@code RATE_LIMIT_SESSION_EVENTS_PER_SECOND} (50) / {@code _BURST} (200)
 * @param sessionBytes {@code RATE_LIMIT_SESSION_BYTES_PER_SECOND} (32768) / {@code _BURST} (262144)
 * @param userEvents {@code RATE_LIMIT_USER_EVENTS_PER_SECOND} (100) / {@code _BURST} (400)
 * @param userBytes {@code RATE_LIMIT_USER_BYTES_PER_SECOND} (65536) / {@code _BURST} (524288)
 * @param maxTrackedKeys {@code RATE_LIMIT_MAX_TRACKED_KEYS} (100000): sessions, and users, tracked at most
 * @param requestDeadline {@code REQUEST_DEADLINE} (3s): a write not durable by then is answered 503
 * @param brokerProbeInterval {@code KAFKA_PROBE_INTERVAL} (1s): how often the ingress asks whether
 *     Kafka answers (a write is refused at once while it does not)
 * @param httpInstances {@code HTTP_INSTANCES} (the number of cores): event loops serving the HTTP API,
 *     each with its own server on the shared port
 */
public record IngressSettings(
    Rate sessionEvents,
    Rate sessionBytes,
    Rate userEvents,
    Rate userBytes,
    int maxTrackedKeys,
    Duration requestDeadline,
    Duration brokerProbeInterval,
    int httpInstances) {

  public static IngressSettings fromEnv(Env env) {
    return new IngressSettings(
        rate(env, "RATE_LIMIT_SESSION_EVENTS", 50, 200),
        rate(env, "RATE_LIMIT_SESSION_BYTES", 32 * 1024, 256 * 1024),
        rate(env, "RATE_LIMIT_USER_EVENTS", 100, 400),
        rate(env, "RATE_LIMIT_USER_BYTES", 64 * 1024, 512 * 1024),
        env.intInRange("RATE_LIMIT_MAX_TRACKED_KEYS", 100_000, 100, 10_000_000),
        positive(env, "REQUEST_DEADLINE", Duration.ofSeconds(3)),
        positive(env, "KAFKA_PROBE_INTERVAL", Duration.ofSeconds(1)),
        env.intInRange("HTTP_INSTANCES", Math.min(64, Runtime.getRuntime().availableProcessors()), 1, 64));
  }

  /** {@code <prefix>_PER_SECOND} (may be fractional; 0 turns the limit off) and {@code <prefix>_BURST}. */
  private static Rate rate(Env env, String prefix, long perSecond, long burst) {
    double rate = env.doubleInRange(prefix + "_PER_SECOND", perSecond, 0, 1e12);
    long size = env.longInRange(prefix + "_BURST", burst, 1, 1L << 40);
    return rate == 0 ? Rate.off() : new Rate(rate, size);
  }

  private static Duration positive(Env env, String name, Duration defaultValue) {
    Duration d = env.duration(name, defaultValue);
    if (d.isZero() || d.isNegative()) {
      throw new ConfigException(name + " must be positive");
    }
    return d;
  }
}
