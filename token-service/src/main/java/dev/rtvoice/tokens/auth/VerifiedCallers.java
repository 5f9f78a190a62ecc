package dev.rtvoice.tokens.auth;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * User JWTs whose verification already succeeded, so that a user's next requests with the same token
 * do not pay the signature check and the claims' JSON again (HS256 was 8 % of an issuance's CPU; an
 * RS256 signature from a JWKS costs more). A client presents the same JWT until its provider refreshes
 * it, and every issuance, rotation and refresh of its sessions carries it.
 *
 * <p>What stays as without the cache: only a token that verified enters, and a hit is the very same
 * string, so the very same signed claims; a token is refused from the instant its {@code exp} (plus
 * the leeway) has passed, checked on every use. What the cache changes: a verification key withdrawn
 * from the provider's JWKS still admits the tokens it signed, seen within the last {@code ttl}, for
 * at most that long ({@code AUTH_CACHE_TTL}, default 60 s; 0s turns the cache off).
 *
 * <p>Bounded by design: at most {@code maxTokens} entries, each a token of at most
 * {@link #MAX_CACHED_TOKEN_LENGTH} characters (longer ones are verified every time); when full it
 * starts afresh, so a flood of distinct tokens costs the verification it would cost anyway and never
 * memory (at most about 4 KiB times {@code maxTokens}). Thread-safe: shared by every HTTP event loop.
 */
public final class VerifiedCallers implements JwtVerifier {
  static final int MAX_CACHED_TOKEN_LENGTH = 4 * 1024;

  private record Verified(Caller caller, long validUntilMs) {}

  private final JwtVerifier verifier;
  private final Clock clock;
  private final long leewayMs;
  private final long ttlMs;
  private final int maxTokens;
  private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();

  public VerifiedCallers(JwtVerifier verifier, Clock clock, Duration leeway, Duration ttl, int maxTokens) {
    if (ttl.isNegative() || maxTokens < 1) {
      throw new IllegalArgumentException("ttl must not be negative and maxTokens positive");
    }
    this.verifier = verifier;
    this.clock = clock;
    this.leewayMs = leeway.toMillis();
    this.ttlMs = ttl.toMillis();
    this.maxTokens = maxTokens;
  }

  @Override
  public Future<Caller> verify(String jwt) {
    long now = clock.millis();
    Verified known = verified.get(jwt);
    if (known != null) {
      if (now < known.validUntilMs()) {
        return Future.succeededFuture(known.caller());
      }
      verified.remove(jwt, known);
    }
    Future<Caller> result = verifier.verify(jwt);
    if (ttlMs == 0 || jwt.length() > MAX_CACHED_TOKEN_LENGTH) {
      return result;
    }
    return result.onSuccess(caller -> remember(jwt, caller, now));
  }

  private void remember(String jwt, Caller caller, long verifiedAtMs) {
    // the verifier required an exp; the same instant at which it would refuse the token ends the entry
    long exp = caller.expiresAtEpochSecond();
    long expiresMs = exp > (Long.MAX_VALUE - leewayMs) / 1000 ? Long.MAX_VALUE : exp * 1000 + leewayMs;
    long until = Math.min(expiresMs, verifiedAtMs + ttlMs);
    if (until <= verifiedAtMs) {
      return;
    }
    if (verified.size() >= maxTokens) {
      verified.clear();
    }
    verified.put(jwt, new Verified(caller, until));
  }

  int size() {
    return verified.size();
  }

  @Override
  public Future<Void> ready() {
    return verifier.ready();
  }

  @Override
  public Future<Void> providerAnswered() {
    return verifier.providerAnswered();
  }

  @Override
  public Future<Void> close() {
    verified.clear();
    return verifier.close();
  }
}
