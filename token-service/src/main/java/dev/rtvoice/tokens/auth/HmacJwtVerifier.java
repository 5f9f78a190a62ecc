package dev.rtvoice.tokens.auth;

import dev.rtvoice.tokens.domain.TenantClaim;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Duration;
import java.util.List;

/** HS256 tokens signed with a shared secret (an app backend that mints its own user tokens, or dev mode). */
public final class HmacJwtVerifier implements JwtVerifier {
  private final JWTAuth auth;
  private final TenantClaim tenantClaim;

  public HmacJwtVerifier(Vertx vertx, String secret, String issuer, String audience, Duration leeway,
                         TenantClaim tenantClaim) {
    this.tenantClaim = tenantClaim;
    this.auth = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
        .setJWTOptions(options(issuer, audience, leeway)));
  }

  static JWTOptions options(String issuer, String audience, Duration leeway) {
    return new JWTOptions().setIssuer(issuer).setAudience(List.of(audience)).setLeeway((int) leeway.toSeconds());
  }

  @Override
  public Future<Caller> verify(String jwt) {
    return VertxJwtVerifier.verify(auth, jwt, tenantClaim);
  }
}
