package dev.rtvoice.upstreamsim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Bearer API-key check, in constant time. */
public final class ApiKeyCheck {
  private final byte[] expected;

  public ApiKeyCheck(String apiKey) {
    this.expected = apiKey.getBytes(StandardCharsets.UTF_8);
  }

  public boolean accepts(String authorizationHeader) {
    String key = bearer(authorizationHeader);
    return key != null && MessageDigest.isEqual(expected, key.getBytes(StandardCharsets.UTF_8));
  }

  /** The token of a {@code Bearer} header, or null. */
  public static String bearer(String authorizationHeader) {
    if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorizationHeader.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
