package dev.rtvoice.tokens.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.tokens.outbox.Outbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Where an issued or rotated secret's event is made durable before the answer
 * ({@code TOKEN_EVENT_DURABILITY}): {@code outbox} (default), this instance's local outbox file, relayed
 * to Kafka later; or {@code kafka}, the answer waits for Kafka's acknowledgement. The record is null in
 * the {@code kafka} mode.
 *
 * @param dir {@code TOKEN_OUTBOX_DIR}, default {@code token-outbox} under the working directory: one per
 *     instance, on a volume that outlives the process (a PersistentVolumeClaim per pod)
 * @param maxBytes {@code TOKEN_OUTBOX_MAX_MB}, default 256: undelivered bytes before issuance is 503
 * @param fsync {@code TOKEN_OUTBOX_FSYNC}, {@code interval} (default) or {@code always}
 * @param fsyncInterval {@code TOKEN_OUTBOX_FSYNC_INTERVAL}, default 100ms (10ms..10s)
 */
public record OutboxSettings(Path dir, long maxBytes, long segmentBytes, Outbox.Fsync fsync, Duration fsyncInterval) {

  static OutboxSettings fromEnv(Env env) {
    String mode = env.string("TOKEN_EVENT_DURABILITY", "outbox").toLowerCase(Locale.ROOT);
    if (mode.equals("kafka")) {
      return null;
    }
    if (!mode.equals("outbox")) {
      throw new ConfigException("TOKEN_EVENT_DURABILITY must be outbox or kafka, got '" + mode + "'");
    }
    long maxBytes = env.intInRange("TOKEN_OUTBOX_MAX_MB", 256, 1, 1 << 20) * 1024L * 1024L;
    String fsync = env.string("TOKEN_OUTBOX_FSYNC", "interval").toLowerCase(Locale.ROOT);
    if (!fsync.equals("interval") && !fsync.equals("always")) {
      throw new ConfigException("TOKEN_OUTBOX_FSYNC must be interval or always, got '" + fsync + "'");
    }
    Duration interval = env.duration("TOKEN_OUTBOX_FSYNC_INTERVAL", Duration.ofMillis(100));
    if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofSeconds(10)) > 0) {
      throw new ConfigException("TOKEN_OUTBOX_FSYNC_INTERVAL must be between 10ms and 10s, got " + interval.toMillis()
          + " ms");
    }
    // segments of an eighth of the bound (1..16 MiB), so delivered space is given back in small steps
    long segment = Math.max(1L << 20, Math.min(16L << 20, maxBytes / 8));
    return new OutboxSettings(Path.of(env.string("TOKEN_OUTBOX_DIR", "token-outbox")), maxBytes, segment,
        fsync.equals("always") ? Outbox.Fsync.ALWAYS : Outbox.Fsync.INTERVAL, interval);
  }
}
