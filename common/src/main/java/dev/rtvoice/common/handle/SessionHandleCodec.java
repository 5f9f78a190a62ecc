package dev.rtvoice.common.handle;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies {@link SessionHandle}s: {@code rt1.<claims>.<signature>}, base64url, with
 * HMAC-SHA256 over the first two parts. token-service signs; session-service and metrics-service
 * verify with the same key ({@code SESSION_HANDLE_KEY}, shared through config). A previous key
 * ({@code SESSION_HANDLE_PREVIOUS_KEY}) is still accepted for verification, so the key can be
 * rotated without logging every client out. The optional {@code tnt} claim (the user's tenant) is
 * written only when the handle has one; a handle without it verifies as before.
 */
public final class SessionHandleCodec {
  private static final String PREFIX = "rt1.";
  private static final String ALGORITHM = "HmacSHA256";
  private static final int MIN_KEY_BYTES = 32;
  /** A long-running dev default, clearly named; never accepted outside dev mode. */
  public static final String DEV_KEY = "dev-only-session-handle-key-change-me-000000";

  private final SecretKeySpec key;
  private final SecretKeySpec previousKey;
  private final Clock clock;
  private final ThreadLocal<Mac> macs;
  private final ThreadLocal<Mac> previousMacs;

  public SessionHandleCodec(String key, String previousKey, Clock clock) {
    this.key = keySpec(key, "SESSION_HANDLE_KEY");
    this.previousKey = previousKey == null ? null : keySpec(previousKey, "SESSION_HANDLE_PREVIOUS_KEY");
    this.clock = clock;
    this.macs = ThreadLocal.withInitial(() -> newMac(this.key));
    this.previousMacs = this.previousKey == null ? null : ThreadLocal.withInitial(() -> newMac(this.previousKey));
  }

  /** From {@code SESSION_HANDLE_KEY} (or its {@code _FILE}); the dev key only in dev mode. */
  public static SessionHandleCodec fromEnv(Env env, boolean devMode, Clock clock) {
    String key = env.secret("SESSION_HANDLE_KEY").orElseGet(() -> {
      if (!devMode) {
        throw new ConfigException("SESSION_HANDLE_KEY (or SESSION_HANDLE_KEY_FILE) is required outside dev mode: "
            + "a random string of at least 32 bytes, the same for token-, session- and metrics-service");
      }
      return DEV_KEY;
    });
    return new SessionHandleCodec(key, env.secret("SESSION_HANDLE_PREVIOUS_KEY").orElse(null), clock);
  }

  public String sign(SessionHandle handle) {
    JsonObject claims = new JsonObject()
        .put("sid", handle.sessionId())
        .put("sub", handle.userId())
        .put("dev", handle.deviceId())
        .put("gen", handle.generation())
        .put("iat", handle.issuedAt().getEpochSecond())
        .put("sxp", handle.secretExpiresAt().getEpochSecond())
        .put("exp", handle.expiresAt().getEpochSecond());
    if (handle.tenantId() != null) {
      claims.put("tnt", handle.tenantId());
    }
    String body = PREFIX + b64(claims.encode().getBytes(StandardCharsets.UTF_8));
    return body + "." + b64(macs.get().doFinal(body.getBytes(StandardCharsets.US_ASCII)));
  }

  /** Verifies signature and expiry; throws {@link HandleRejectedException} with the reason. */
  public SessionHandle verify(String token) {
    if (token == null || !token.startsWith(PREFIX) || token.length() > 2048) {
      throw new HandleRejectedException(HandleRejectedException.Reason.MALFORMED, "not a rotation token");
    }
    int dot = token.lastIndexOf('.');
    if (dot <= PREFIX.length()) {
      throw new HandleRejectedException(HandleRejectedException.Reason.MALFORMED, "not a rotation token");
    }
    String body = token.substring(0, dot);
    byte[] signature;
    try {
      signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      throw new HandleRejectedException(HandleRejectedException.Reason.MALFORMED, "not a rotation token");
    }
    byte[] signed = body.getBytes(StandardCharsets.US_ASCII);
    boolean valid = MessageDigest.isEqual(macs.get().doFinal(signed), signature)
        || (previousMacs != null && MessageDigest.isEqual(previousMacs.get().doFinal(signed), signature));
    if (!valid) {
      throw new HandleRejectedException(HandleRejectedException.Reason.FORGED, "rotation token signature is invalid");
    }
    SessionHandle handle = parseClaims(body.substring(PREFIX.length()));
    if (!clock.instant().isBefore(handle.expiresAt())) {
      throw new HandleRejectedException(HandleRejectedException.Reason.EXPIRED, "rotation token has expired");
    }
    return handle;
  }

  /** The handle's expiry for a client secret expiring at {@code secretExpiresAt}. */
  public static Instant handleExpiry(Instant secretExpiresAt, Duration grace) {
    return secretExpiresAt.plus(grace);
  }

  private static SessionHandle parseClaims(String encoded) {
    try {
      JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8));
      return new SessionHandle(
          requireText(claims, "sid"),
          requireText(claims, "sub"),
          requireText(claims, "dev"),
          claims.getInteger("gen"),
          Instant.ofEpochSecond(claims.getLong("iat")),
          Instant.ofEpochSecond(claims.getLong("sxp")),
          Instant.ofEpochSecond(claims.getLong("exp")),
          // absent in handles signed before tenants existed; present, it was validated when signed
          claims.getString("tnt"));
    } catch (DecodeException | IllegalArgumentException | ClassCastException | NullPointerException e) {
      // signed by us but unreadable: a key shared with something else, never a client's doing
      throw new HandleRejectedException(HandleRejectedException.Reason.MALFORMED, "rotation token claims are invalid");
    }
  }

  private static String requireText(JsonObject claims, String name) {
    String value = claims.getString(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(name);
    }
    return value;
  }

  private static SecretKeySpec keySpec(String key, String variable) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < MIN_KEY_BYTES) {
      throw new ConfigException(variable + " must be at least " + MIN_KEY_BYTES + " bytes long");
    }
    return new SecretKeySpec(bytes, ALGORITHM);
  }

  private static Mac newMac(SecretKeySpec key) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
