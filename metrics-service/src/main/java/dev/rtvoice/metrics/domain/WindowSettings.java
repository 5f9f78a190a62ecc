package dev.rtvoice.metrics.domain;

import java.time.Duration;
import java.util.Set;

/**
 * How the event-time windows are cut and bounded.
 *
 * @param bucket length of the tumbling buckets
 * @param allowedLateness how far behind the newest event time a sample may still arrive
 * @param idleTimeout wall-clock time without newer events after which event time follows the wall
 *     clock (see {@link Watermark})
 * @param horizon events older than this (by the wall clock) are dropped as late: no view reaches
 *     them, and it keeps a replayed backlog from filling the windows topic with history
 * @param maxClockSkew how far ahead of the wall clock an event time may be
 * @param immediateCounters counters whose panes are published as soon as they move
 * @param platformLimit distinct platform labels kept (first seen), when there is no allowlist
 * @param platformAllowlist the platform labels kept; empty for first-seen up to the limit
 * @param counterLabelLimit distinct values kept per counter label
 */
public record WindowSettings(
    Duration bucket,
    Duration allowedLateness,
    Duration idleTimeout,
    Duration horizon,
    Duration maxClockSkew,
    Set<String> immediateCounters,
    int platformLimit,
    Set<String> platformAllowlist,
    int counterLabelLimit) {

  public WindowSettings {
    if (bucket.toMillis() < 1) {
      throw new IllegalArgumentException("bucket must be at least 1 ms");
    }
    immediateCounters = Set.copyOf(immediateCounters);
    platformAllowlist = Set.copyOf(platformAllowlist);
  }

  /** The defaults: 10 s buckets, 30 s lateness, one hour of views. */
  public static WindowSettings defaults() {
    return new WindowSettings(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10),
        Duration.ofHours(1).plusSeconds(30), Duration.ofSeconds(10),
        Set.of(CounterCatalog.ROTATE_FAIL, CounterCatalog.UPSTREAM_AUTH_REJECTED, CounterCatalog.ROLLOVERS), 16, Set.of(), 32);
  }

  public WindowSettings withBucket(Duration bucket, Duration lateness, Duration idle) {
    return new WindowSettings(bucket, lateness, idle, horizon, maxClockSkew, immediateCounters, platformLimit,
        platformAllowlist, counterLabelLimit);
  }

  public WindowSettings withHorizon(Duration horizon) {
    return new WindowSettings(bucket, allowedLateness, idleTimeout, horizon, maxClockSkew, immediateCounters,
        platformLimit, platformAllowlist, counterLabelLimit);
  }

  public WindowSettings withPlatforms(int limit, Set<String> allowlist) {
    return new WindowSettings(bucket, allowedLateness, idleTimeout, horizon, maxClockSkew, immediateCounters, limit,
        allowlist, counterLabelLimit);
  }
}
