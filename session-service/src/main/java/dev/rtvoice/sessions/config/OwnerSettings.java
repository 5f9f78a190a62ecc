package dev.rtvoice.sessions.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.time.Duration;

/**
 * Settings of the session owner (the consumer of the command log).
 *
 * @param stallTimeout {@code OWNER_STALL_TIMEOUT}, default 15s: a batch of commands in hand and not
 *     durable for this long makes {@code /health/ready} DOWN (the owner is stalled)
 * @param maxPollRecords {@code OWNER_MAX_POLL_RECORDS}, default 500: command records per batch; each
 *     record is a whole request, so a batch holds many more client events
 */
public record OwnerSettings(Duration stallTimeout, int maxPollRecords) {
  public static OwnerSettings fromEnv(Env env) {
    Duration stall = env.duration("OWNER_STALL_TIMEOUT", Duration.ofSeconds(15));
    if (stall.isZero() || stall.isNegative()) {
      throw new ConfigException("OWNER_STALL_TIMEOUT must be positive");
    }
    return new OwnerSettings(stall, env.intInRange("OWNER_MAX_POLL_RECORDS", 500, 1, 10_000));
  }
}
