package dev.rtvoice.tokens.auth;

import io.vertx.core.Future;

/** Verifies a caller's JWT (signature, issuer, audience, expiry) and yields the caller. */
public interface JwtVerifier {
  Future<Caller> verify(String jwt);

  /**
   * Ready once this instance holds verification keys (a JWKS is fetched at start); a later failed
   * refresh keeps the keys it has, so this instance still verifies callers.
   */
  default Future<Void> ready() {
    return Future.succeededFuture();
  }

  /**
   * Whether the identity provider answered this instance's latest key fetch (a shared dependency:
   * reported, never a reason to be unready). Asks nothing of the provider.
   */
  default Future<Void> providerAnswered() {
    return Future.succeededFuture();
  }

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
