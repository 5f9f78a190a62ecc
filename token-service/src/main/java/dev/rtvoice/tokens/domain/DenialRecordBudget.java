package dev.rtvoice.tokens.domain;

import java.time.Clock;

/**
 * How many {@code token.denied} events this instance writes. A refusal costs its sender one cheap
 * request (no valid JWT needed for a 401) and would cost the suite one Kafka record, in the topic the
 * issuance events travel and metrics-service reads: a flood of bad requests would be written at the
 * sender's rate. One token bucket for the whole instance, whatever the number of senders (constant
 * memory, no key a sender can vary), bounds the records; a refusal past it is answered as usual and
 * counted on {@code /metrics} ({@code token_denied_total} stays exact), only its event is not written.
 * A reused rotation token's denial is not subject to it (see {@code TokenEvents#denied}). Thread-safe:
 * the API runs on several event loops.
 */
public final class DenialRecordBudget {
  private final TokenBucket bucket;
  private final Clock clock;

  /** @param perSecond events written per second at most, with a burst of twice that */
  public DenialRecordBudget(int perSecond, Clock clock) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("perSecond must be at least 1, got " + perSecond);
    }
    this.clock = clock;
    this.bucket = new TokenBucket(2.0 * perSecond, perSecond, clock.millis());
  }

  /** Whether this refusal's event may be written (takes one from the budget if so). */
  public synchronized boolean tryRecord() {
    return bucket.tryTake(clock.millis()) == 0;
  }
}
