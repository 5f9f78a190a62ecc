package dev.rtvoice.tokens.config;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.tokens.domain.TenantClaim;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * How callers (the app's users) authenticate: a Bearer JWT from the app's identity provider, checked
 * with an HMAC secret ({@code AUTH_JWT_HMAC_SECRET} / {@code _FILE}, HS256) or the provider's public
 * keys ({@code AUTH_JWKS_URL}), with issuer ({@code AUTH_JWT_ISSUER}) and audience
 * ({@code AUTH_JWT_AUDIENCE}) required. In {@code DEV_MODE} without any of them, the development
 * identity provider ({@link DevIdentity}) is used; outside dev mode the service refuses to start.
 *
 * @param leeway {@code AUTH_JWT_LEEWAY}, default 30s: clock skew tolerated on exp/iat/nbf
 * @param jwksRefresh {@code AUTH_JWKS_REFRESH}, default 10m: how often the JWKS is fetched again
 * @param tenantClaim {@code TENANT_CLAIM}, default {@code tenant}: the user JWT's claim naming their tenant
 * @param cacheTtl {@code AUTH_CACHE_TTL}, default 60s (0s: off): how long a verified JWT is remembered at
 *     most (never past its exp), which is also how long a key withdrawn from the JWKS still admits it
 * @param cacheMaxTokens {@code AUTH_CACHE_MAX_TOKENS}, default 4096: how many verified JWTs are remembered
 */
public record AuthSettings(Mode mode, Secret hmacSecret, String jwksUrl, String issuer, String audience,
                           Duration leeway, Duration jwksRefresh, TenantClaim tenantClaim, Duration cacheTtl,
                           int cacheMaxTokens) {

  /** Where the verification keys come from. */
  public enum Mode { HMAC, JWKS, DEV }

  static final int MIN_HMAC_BYTES = 32;
  static final int DEFAULT_CACHE_MAX_TOKENS = 4_096;

  public static AuthSettings fromEnv(Env env, boolean devMode) {
    var secret = env.secret("AUTH_JWT_HMAC_SECRET");
    var jwks = env.optional("AUTH_JWKS_URL");
    var issuer = env.optional("AUTH_JWT_ISSUER");
    var audience = env.optional("AUTH_JWT_AUDIENCE");
    Duration leeway = env.duration("AUTH_JWT_LEEWAY", Duration.ofSeconds(30));
    Duration refresh = UpstreamSettings.positive(env, "AUTH_JWKS_REFRESH", Duration.ofMinutes(10));
    TenantClaim tenantClaim = tenantClaim(env);
    Duration cacheTtl = env.duration("AUTH_CACHE_TTL", Duration.ofSeconds(60));
    if (cacheTtl.isNegative() || cacheTtl.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new ConfigException("AUTH_CACHE_TTL must be between 0s (off) and 10m, got " + cacheTtl);
    }
    int cacheMax = env.intInRange("AUTH_CACHE_MAX_TOKENS", DEFAULT_CACHE_MAX_TOKENS, 1, 1_000_000);
    if (secret.isEmpty() && jwks.isEmpty()) {
      if (!devMode) {
        throw new ConfigException("caller authentication is not configured: set AUTH_JWT_HMAC_SECRET (or "
            + "AUTH_JWT_HMAC_SECRET_FILE) or AUTH_JWKS_URL, together with AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE; "
            + "or set DEV_MODE=true to use the development identity provider");
      }
      return new AuthSettings(Mode.DEV, new Secret(DevIdentity.HMAC_SECRET), null, DevIdentity.ISSUER,
          DevIdentity.AUDIENCE, leeway, refresh, tenantClaim, cacheTtl, cacheMax);
    }
    if (secret.isPresent() && jwks.isPresent()) {
      throw new ConfigException("set only one of AUTH_JWT_HMAC_SECRET (or _FILE) and AUTH_JWKS_URL");
    }
    if (issuer.isEmpty() || audience.isEmpty()) {
      throw new ConfigException("AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE are required with "
          + (secret.isPresent() ? "AUTH_JWT_HMAC_SECRET" : "AUTH_JWKS_URL")
          + ": tokens of another issuer or audience must not be accepted");
    }
    if (secret.isPresent()) {
      if (secret.get().getBytes(StandardCharsets.UTF_8).length < MIN_HMAC_BYTES) {
        throw new ConfigException("AUTH_JWT_HMAC_SECRET must be at least " + MIN_HMAC_BYTES + " bytes (HS256)");
      }
      return new AuthSettings(Mode.HMAC, new Secret(secret.get()), null, issuer.get(), audience.get(), leeway, refresh,
          tenantClaim, cacheTtl, cacheMax);
    }
    String url = jwks.get();
    if (!url.startsWith("https://") && !url.startsWith("http://")) {
      throw new ConfigException("AUTH_JWKS_URL must be an http(s) URL, got '" + url + "'");
    }
    return new AuthSettings(Mode.JWKS, null, url, issuer.get(), audience.get(), leeway, refresh, tenantClaim,
        cacheTtl, cacheMax);
  }

  private static TenantClaim tenantClaim(Env env) {
    String name = env.string("TENANT_CLAIM", "tenant");
    try {
      return new TenantClaim(name);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("TENANT_CLAIM: " + e.getMessage() + ", got '" + name + "'");
    }
  }
}
