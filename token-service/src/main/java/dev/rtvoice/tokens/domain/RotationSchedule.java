package dev.rtvoice.tokens.domain;

import java.time.Duration;
import java.time.Instant;

/**
 * When a client should rotate: {@code lead} before the secret expires, but never earlier than half
 * of the secret's actual lifetime, so a secret that upstream granted shorter than asked (or a very
 * short one) still gets a rotate time in the future instead of one already past.
 */
public final class RotationSchedule {
  private final Duration lead;

  public RotationSchedule(Duration lead) {
    if (lead.isNegative()) {
      throw new IllegalArgumentException("rotation lead must not be negative");
    }
    this.lead = lead;
  }

  public Instant rotateAt(Instant issuedAt, Instant expiresAt) {
    Duration lifetime = Duration.between(issuedAt, expiresAt);
    if (lifetime.isNegative() || lifetime.isZero()) {
      return expiresAt;
    }
    Duration before = lead.compareTo(lifetime.dividedBy(2)) <= 0 ? lead : lifetime.dividedBy(2);
    return expiresAt.minus(before);
  }

  public Duration lead() {
    return lead;
  }
}
