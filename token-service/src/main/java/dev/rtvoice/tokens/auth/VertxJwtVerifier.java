package dev.rtvoice.tokens.auth;

import dev.rtvoice.tokens.domain.TenantClaim;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.NoSuchKeyIdException;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.security.SignatureException;

/**
 * JWT verification with vertx-auth-jwt, plus the rules of this service on top: the token must carry
 * a non-empty {@code sub} (the user id everything is bound to) and an {@code exp} (an app token that
 * never expires is refused); the tenant claim is read as {@link TenantClaim} says. Failures become {@link AuthenticationFailure}s with a caller-safe
 * reason.
 */
class VertxJwtVerifier {
  static final int MAX_USER_ID_LENGTH = 256;

  private VertxJwtVerifier() {}

  static Future<Caller> verify(JWTAuth auth, String jwt, TenantClaim tenantClaim) {
    Future<User> user;
    try {
      user = auth.authenticate(new TokenCredentials(jwt));
    } catch (RuntimeException e) {
      // malformed claims (an exp that is not a number) throw instead of failing the future
      return Future.failedFuture(new AuthenticationFailure("the token's claims are malformed"));
    }
    return user.transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(classify(ar.cause()));
      }
      JsonObject claims = ar.result().attributes().getJsonObject("accessToken");
      Object sub = claims == null ? null : claims.getValue("sub");
      if (!(sub instanceof String s) || s.isBlank() || s.length() > MAX_USER_ID_LENGTH) {
        return Future.failedFuture(new AuthenticationFailure("the token has no usable subject (sub)"));
      }
      if (!(claims.getValue("exp") instanceof Number exp)) {
        return Future.failedFuture(new AuthenticationFailure("the token has no expiry (exp)"));
      }
      TenantClaim.Reading tenant = tenantClaim.read(claims.getValue(tenantClaim.name()));
      return Future.succeededFuture(new Caller(s, tenant.tenantId(), tenant.ignored(), exp.longValue()));
    });
  }

  static boolean unknownKey(Throwable cause) {
    return cause instanceof NoSuchKeyIdException;
  }

  /** Maps vertx-auth-jwt's failures to reasons a client developer can act on. */
  static AuthenticationFailure classify(Throwable cause) {
    if (cause instanceof AuthenticationFailure failure) {
      return failure;
    }
    if (cause instanceof SignatureException || cause instanceof NoSuchKeyIdException) {
      return new AuthenticationFailure("the token's signature is not valid");
    }
    String message = cause.getMessage() == null ? "" : cause.getMessage();
    if (message.contains("expired")) {
      return new AuthenticationFailure("the token has expired (or is not valid yet)");
    }
    if (message.contains("audience")) {
      return new AuthenticationFailure("the token is for another audience");
    }
    if (message.contains("issuer")) {
      return new AuthenticationFailure("the token is from another issuer");
    }
    if (message.contains("Algorithm")) {
      return new AuthenticationFailure("the token's algorithm is not accepted");
    }
    return new AuthenticationFailure("the token is not a valid JWT");
  }
}
