package dev.rtvoice.tokens.domain;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts a rotation's answer (it holds a client secret and a rotation token) before it goes into
 * the rotation ledger, so that any instance can replay it to a retrying client and nothing else can
 * read it. AES-256-GCM under a key derived from the rotation-token key (HMAC-SHA256 of a fixed
 * label): whoever holds that key can already mint rotation tokens, so the ledger gives them nothing
 * more. The session and rotation ids are the associated data, so a sealed answer opens only in its
 * own record. A former key (key rotation) still opens what it sealed.
 */
public final class AnswerSeal {
  private static final byte[] LABEL = "rtvoice token-service rotation answer v1".getBytes(StandardCharsets.UTF_8);
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final SecretKeySpec key;
  private final SecretKeySpec previousKey;
  private final SecureRandom random = new SecureRandom();

  /** @param previousHandleKey null when there is none */
  public AnswerSeal(String handleKey, String previousHandleKey) {
    this.key = derive(handleKey);
    this.previousKey = previousHandleKey == null ? null : derive(previousHandleKey);
  }

  public String seal(String plaintext, String sessionId, String rotationId) {
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(aad(sessionId, rotationId));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[IV_BYTES + sealed.length];
      System.arraycopy(iv, 0, out, 0, IV_BYTES);
      System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
      return B64.encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /** @throws IllegalArgumentException when neither key opens it, or it was sealed for another record */
  public String open(String sealed, String sessionId, String rotationId) {
    byte[] bytes = B64D.decode(sealed);
    if (bytes.length <= IV_BYTES) {
      throw new IllegalArgumentException("sealed answer too short");
    }
    try {
      return open(key, bytes, sessionId, rotationId);
    } catch (GeneralSecurityException e) {
      if (previousKey == null) {
        throw new IllegalArgumentException("sealed answer does not open", e);
      }
      try {
        return open(previousKey, bytes, sessionId, rotationId);
      } catch (GeneralSecurityException again) {
        throw new IllegalArgumentException("sealed answer does not open", again);
      }
    }
  }

  private static String open(SecretKeySpec key, byte[] bytes, String sessionId, String rotationId)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, IV_BYTES));
    cipher.updateAAD(aad(sessionId, rotationId));
    return new String(cipher.doFinal(bytes, IV_BYTES, bytes.length - IV_BYTES), StandardCharsets.UTF_8);
  }

  private static byte[] aad(String sessionId, String rotationId) {
    return (sessionId + "\n" + rotationId).getBytes(StandardCharsets.UTF_8);
  }

  private static SecretKeySpec derive(String handleKey) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(handleKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return new SecretKeySpec(mac.doFinal(LABEL), "AES");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
