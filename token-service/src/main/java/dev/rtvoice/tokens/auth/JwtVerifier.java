package dev.rtvoice.tokens.auth;

import io.vertx.core.Future;

/** Verifies a caller's JWT (signature, issuer, audience, expiry) and yields the caller. */
public interface JwtVerifier {
  Future<Caller> verify(String jwt);

  /** Ready once verification keys are loaded (a JWKS is fetched at start). */
  default Future<Void> ready() {
    return Future.succeededFuture();
  }

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
