package dev.rtvoice.sessions.api;

import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rotation tokens whose signature has already been verified, so that a session's every request does
 * not pay the HMAC and the claims' JSON again: a client presents the same token with each request
 * until it rotates. Only a token that verified enters; a hit is the very same string (so the very same
 * signed claims), and its expiry is checked against the clock on every use, so an expired token is
 * refused exactly as without the cache. Bounded by design: at most {@code maxTokens} entries; when
 * full it starts afresh, so a flood of distinct tokens costs the verification it would cost anyway and
 * never memory. Thread-safe: shared by every HTTP event loop.
 */
final class VerifiedTokens {
  static final int DEFAULT_MAX_TOKENS = 16_384;

  private final SessionHandleCodec codec;
  private final Clock clock;
  private final int maxTokens;
  private final ConcurrentHashMap<String, SessionHandle> verified = new ConcurrentHashMap<>();

  VerifiedTokens(SessionHandleCodec codec, Clock clock, int maxTokens) {
    this.codec = codec;
    this.clock = clock;
    this.maxTokens = maxTokens;
  }

  /** The token's handle; throws the codec's {@code HandleRejectedException} (malformed, forged, expired). */
  SessionHandle verify(String token) {
    SessionHandle known = verified.get(token);
    if (known != null && clock.millis() < known.expiresAt().toEpochMilli()) {
      return known;
    }
    if (known != null) {
      verified.remove(token);
    }
    SessionHandle handle = codec.verify(token);  // throws for anything not valid now
    if (verified.size() >= maxTokens) {
      verified.clear();
    }
    verified.put(token, handle);
    return handle;
  }

  int size() {
    return verified.size();
  }
}
