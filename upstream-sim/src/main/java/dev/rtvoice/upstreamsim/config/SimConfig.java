package dev.rtvoice.upstreamsim.config;

import dev.rtvoice.common.config.Env;
import java.time.Duration;

/**
 * Settings of the simulator, from the environment.
 *
 * @param port {@code SIM_PORT}, default 8090
 * @param apiKey {@code SIM_API_KEY} (or {@code SIM_API_KEY_FILE}), default {@code sk-sim-local-dev}: the
 *     key callers must present, standing in for a real OpenAI API key
 * @param audioDeltas {@code SIM_AUDIO_DELTAS}, default 5: audio deltas per response
 * @param deltaInterval {@code SIM_DELTA_INTERVAL}, default 40ms: time between deltas
 * @param responseLatency {@code SIM_RESPONSE_LATENCY}, default 0ms: time from response.create to
 *     response.created (the model's inference time); the admin API can change it at run time
 * @param sessionMax {@code SIM_SESSION_MAX}, default 60m: a call's maximum duration, as upstream's cap
 *     (then {@code session_expired} and close 1001 on every connection of the call)
 */
public record SimConfig(String host, int port, String apiKey, int audioDeltas, Duration deltaInterval,
                        Duration responseLatency, Duration sessionMax) {
  public static final String DEV_API_KEY = "sk-sim-local-dev";

  public static SimConfig fromEnv(Env env) {
    return new SimConfig(
        env.string("SIM_HOST", "127.0.0.1"),
        env.intInRange("SIM_PORT", 8090, 0, 65535),
        env.secret("SIM_API_KEY").orElse(DEV_API_KEY),
        env.intInRange("SIM_AUDIO_DELTAS", 5, 1, 1000),
        env.duration("SIM_DELTA_INTERVAL", Duration.ofMillis(40)),
        env.duration("SIM_RESPONSE_LATENCY", Duration.ZERO),
        positive("SIM_SESSION_MAX", env.duration("SIM_SESSION_MAX", Duration.ofMinutes(60))));
  }

  private static Duration positive(String name, Duration value) {
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
    }
    return value;
  }
}
