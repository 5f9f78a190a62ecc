package dev.rtvoice.e2e.harness;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The app's identity provider, as token-service sees it from outside: HS256 user tokens with an
 * issuer and audience that token-service is configured to trust (AUTH_JWT_*). Written here rather
 * than borrowed from token-service, because in production it is someone else's code.
 */
public record IdentityProvider(String issuer, String audience, String hmacSecret) {

  public String userToken(String userId, Duration ttl) {
    Instant now = Instant.now();
    JsonObject header = new JsonObject().put("alg", "HS256").put("typ", "JWT");
    JsonObject claims = new JsonObject().put("iss", issuer).put("aud", audience).put("sub", userId)
        .put("iat", now.getEpochSecond()).put("exp", now.plus(ttl).getEpochSecond());
    String signingInput = b64(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + b64(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(hmacSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + b64(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
