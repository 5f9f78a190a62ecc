package dev.rtvoice.tokens.config;

import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The development identity provider: what token-service trusts in {@code DEV_MODE} when no real
 * identity provider is configured. Its HS256 secret is public (it is in this file), so it is never
 * accepted outside dev mode. The local stack prints a token from {@link #mintUserToken} so that a
 * developer can call the API at once.
 */
public final class DevIdentity {
  public static final String ISSUER = "rtvoice-dev";
  public static final String AUDIENCE = "rtvoice-local";
  /** Public on purpose: dev mode only. */
  public static final String HMAC_SECRET = "rtvoice-dev-identity-provider-secret-NOT-FOR-PRODUCTION";

  private DevIdentity() {}

  /** A user token of the development identity provider, valid for {@code ttl} from now. */
  public static String mintUserToken(String userId, Duration ttl) {
    return mintUserToken(userId, ttl, Clock.systemUTC());
  }

  public static String mintUserToken(String userId, Duration ttl, Clock clock) {
    Instant now = clock.instant();
    JsonObject claims = new JsonObject()
        .put("iss", ISSUER)
        .put("aud", AUDIENCE)
        .put("sub", userId)
        .put("iat", now.getEpochSecond())
        .put("exp", now.plus(ttl).getEpochSecond());
    return Hs256Jwt.sign(claims, HMAC_SECRET);
  }
}
