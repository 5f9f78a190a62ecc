package dev.rtvoice.tokens.domain;

/**
 * Whether Kafka is known to be down, as the writes of the service see it: a write that could not be
 * made durable within its deadline marks it down, and from then on issuance and rotation are
 * refused at once (no upstream call, no wait) until a write or a probe of the cluster succeeds.
 * Thread-safe.
 */
public final class BrokerAvailability {
  private volatile long downSinceMs = -1;

  public void writeFailed(long nowMs) {
    if (downSinceMs < 0) {
      downSinceMs = nowMs;
    }
  }

  /** A durable write or a successful probe: requests go through again. */
  public void reachable() {
    downSinceMs = -1;
  }

  public boolean knownDown() {
    return downSinceMs >= 0;
  }

  /** Since when it is known down, or -1. */
  public long downSinceMs() {
    return downSinceMs;
  }
}
