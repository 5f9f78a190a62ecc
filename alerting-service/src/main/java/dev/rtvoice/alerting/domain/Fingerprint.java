package dev.rtvoice.alerting.domain;

import java.nio.charset.StandardCharsets;

/**
 * The fingerprint Prometheus and Alertmanager give a label set: 64-bit FNV-1a over the labels sorted
 * by name, each name and value followed by the byte 0xff, printed as 16 hex digits. Using the same
 * function means an alert has the same fingerprint here, on Kafka, in webhooks and in Alertmanager.
 */
public final class Fingerprint {
  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;
  private static final int SEPARATOR = 0xff;

  private Fingerprint() {}

  public static long of(LabelSet labels) {
    long h = OFFSET;
    for (int i = 0; i < labels.size(); i++) {
      h = add(h, labels.name(i));
      h = addByte(h, SEPARATOR);
      h = add(h, labels.value(i));
      h = addByte(h, SEPARATOR);
    }
    return h;
  }

  public static String hex(long fingerprint) {
    String hex = Long.toHexString(fingerprint);
    return "0".repeat(16 - hex.length()) + hex;
  }

  private static long add(long h, String s) {
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h = addByte(h, b & 0xff);
    }
    return h;
  }

  private static long addByte(long h, int b) {
    return (h ^ b) * PRIME;
  }
}
