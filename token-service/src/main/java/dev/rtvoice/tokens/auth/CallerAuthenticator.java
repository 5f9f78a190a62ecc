package dev.rtvoice.tokens.auth;

import dev.rtvoice.tokens.config.AuthSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;

/** Reads the {@code Authorization: Bearer} header and verifies it with the configured identity provider. */
public final class CallerAuthenticator {
  /** Longer than any sane JWT; refusing early keeps garbage out of the parser. */
  static final int MAX_TOKEN_LENGTH = 8 * 1024;

  private final JwtVerifier verifier;

  public CallerAuthenticator(JwtVerifier verifier) {
    this.verifier = verifier;
  }

  /** The verifier for these settings; a JWKS one starts fetching its keys. */
  public static CallerAuthenticator create(Vertx vertx, AuthSettings settings) {
    JwtVerifier verifier = switch (settings.mode()) {
      case HMAC, DEV -> new HmacJwtVerifier(vertx, settings.hmacSecret().reveal(), settings.issuer(),
          settings.audience(), settings.leeway(), settings.tenantClaim());
      case JWKS -> {
        JwksJwtVerifier jwks = new JwksJwtVerifier(vertx, settings.jwksUrl(), settings.issuer(), settings.audience(),
            settings.leeway(), settings.jwksRefresh(), settings.tenantClaim());
        jwks.start();
        yield jwks;
      }
    };
    if (settings.cacheTtl().isZero()) {
      return new CallerAuthenticator(verifier);
    }
    return new CallerAuthenticator(new VerifiedCallers(verifier, Clock.systemUTC(), settings.leeway(),
        settings.cacheTtl(), settings.cacheMaxTokens()));
  }

  public Future<Caller> authenticate(String authorizationHeader) {
    if (authorizationHeader == null || authorizationHeader.isBlank()) {
      return Future.failedFuture(new AuthenticationFailure("an Authorization: Bearer <token> header is required"));
    }
    if (!authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Future.failedFuture(new AuthenticationFailure("the Authorization header must use the Bearer scheme"));
    }
    String token = authorizationHeader.substring(7).trim();
    if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      return Future.failedFuture(new AuthenticationFailure("the bearer token is empty or too long"));
    }
    return verifier.verify(token);
  }

  public JwtVerifier verifier() {
    return verifier;
  }

  public Future<Void> close() {
    return verifier.close();
  }
}
