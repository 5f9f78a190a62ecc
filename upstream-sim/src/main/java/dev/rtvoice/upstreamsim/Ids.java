package dev.rtvoice.upstreamsim;

import java.security.SecureRandom;

/** Identifiers in OpenAI's style: a type prefix and random alphanumerics. */
public final class Ids {
  private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String next(String prefix, int length) {
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return prefix + new String(chars);
  }

  public static String event() {
    return next("event_", 20);
  }
}
