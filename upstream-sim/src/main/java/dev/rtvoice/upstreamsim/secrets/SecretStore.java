package dev.rtvoice.upstreamsim.secrets;

import dev.rtvoice.upstreamsim.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;

/** The ephemeral keys the simulator issued, so that it can validate them later. Event-loop confined. */
public final class SecretStore {
  /** An issued secret. */
  public record IssuedSecret(String value, Instant expiresAt, String sessionId) {}

  private final Map<String, IssuedSecret> secrets = new HashMap<>();
  /** Expiry order, so that purging costs only what it removes. */
  private final PriorityQueue<IssuedSecret> byExpiry =
      new PriorityQueue<>(Comparator.comparing(IssuedSecret::expiresAt));
  private final Clock clock;
  private long issued;

  public SecretStore(Clock clock) {
    this.clock = clock;
  }

  public IssuedSecret issue(long ttlSeconds) {
    purgeExpired();
    Instant expiresAt = clock.instant().plusSeconds(ttlSeconds);
    IssuedSecret secret = new IssuedSecret(Ids.next("ek_", 32), expiresAt, Ids.next("sess_", 20));
    secrets.put(secret.value(), secret);
    byExpiry.add(secret);
    issued++;
    return secret;
  }

  /** The secret if it was issued here and has not expired. */
  public Optional<IssuedSecret> validate(String value) {
    IssuedSecret secret = secrets.get(value);
    if (secret == null || !clock.instant().isBefore(secret.expiresAt())) {
      return Optional.empty();
    }
    return Optional.of(secret);
  }

  /** Expires one secret, or all of them when {@code value} is null (the "keys expire early" fault). */
  public int expireNow(String value) {
    Instant now = clock.instant();
    int expired = 0;
    for (Map.Entry<String, IssuedSecret> e : secrets.entrySet()) {
      if (value == null || e.getKey().equals(value)) {
        IssuedSecret s = e.getValue();
        IssuedSecret early = new IssuedSecret(s.value(), now, s.sessionId());
        e.setValue(early);
        expired++;
      }
    }
    byExpiry.clear();
    byExpiry.addAll(secrets.values());
    return expired;
  }

  public long issuedCount() {
    return issued;
  }

  public int liveCount() {
    purgeExpired();
    return secrets.size();
  }

  public void clear() {
    secrets.clear();
    byExpiry.clear();
    issued = 0;
  }

  private void purgeExpired() {
    Instant now = clock.instant();
    while (!byExpiry.isEmpty() && !now.isBefore(byExpiry.peek().expiresAt())) {
      secrets.remove(byExpiry.poll().value());
    }
  }
}
