package dev.rtvoice.sessions.domain;

import java.util.List;
import java.util.Map;

/**
 * How many bytes a value takes in compact JSON as the suite's codec writes it (Jackson, UTF-8): what
 * the state budget counts. A string character costs 1 byte (printable ASCII), 2 ({@code "}, {@code \},
 * the short escapes, two-byte UTF-8), 3 (the rest of the BMP) or 6 (other control characters and every
 * surrogate, which the codec writes as {@code \\uXXXX}), so a string of n characters never takes more
 * than {@code 6n + 2}.
 */
public final class JsonSize {
  /** The most one string character can take. */
  public static final int MAX_BYTES_PER_CHAR = 6;

  private JsonSize() {}

  /** Bytes of {@code s} as a JSON string, quotes included; 4 ({@code null}) for null. */
  public static int of(String s) {
    if (s == null) {
      return 4;
    }
    int n = 2;
    for (int i = 0; i < s.length(); i++) {
      n += ofChar(s.charAt(i));
    }
    return n;
  }

  /** Bytes of one character inside a JSON string. */
  public static int ofChar(char c) {
    if (c == '"' || c == '\\') {
      return 2;
    }
    if (c < 0x20) {
      return c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r' ? 2 : 6;
    }
    if (c < 0x80) {
      return 1;
    }
    if (c < 0x800) {
      return 2;
    }
    if (Character.isSurrogate(c)) {
      return 6;
    }
    return 3;
  }

  /** Bytes of a JSON-ready value (maps, lists, strings, numbers, booleans, null), compact. */
  public static int ofValue(Object v) {
    if (v == null) {
      return 4;
    }
    if (v instanceof String s) {
      return of(s);
    }
    if (v instanceof Boolean b) {
      return b ? 4 : 5;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return Long.toString(((Number) v).longValue()).length();
    }
    if (v instanceof Number n) {
      return n.toString().length();
    }
    if (v instanceof Map<?, ?> m) {
      int n = 2 + Math.max(0, m.size() - 1);
      for (Map.Entry<?, ?> e : m.entrySet()) {
        n += of(String.valueOf(e.getKey())) + 1 + ofValue(e.getValue());
      }
      return n;
    }
    if (v instanceof List<?> l) {
      int n = 2 + Math.max(0, l.size() - 1);
      for (Object o : l) {
        n += ofValue(o);
      }
      return n;
    }
    throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
  }
}
