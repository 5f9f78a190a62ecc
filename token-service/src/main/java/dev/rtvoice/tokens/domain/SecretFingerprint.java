package dev.rtvoice.tokens.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * How a client secret appears anywhere outside the response that carries it (logs, events): the
 * first 8 hex characters of its SHA-256 (docs/events.md). Enough to correlate, useless to replay.
 */
public final class SecretFingerprint {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private SecretFingerprint() {}

  public static String of(String secret) {
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    char[] out = new char[8];
    for (int i = 0; i < 4; i++) {
      out[2 * i] = HEX[(digest[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[digest[i] & 0xf];
    }
    return new String(out);
  }
}
