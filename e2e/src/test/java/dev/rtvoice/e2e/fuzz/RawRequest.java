package dev.rtvoice.e2e.fuzz;

import java.nio.charset.StandardCharsets;

/**
 * One generated request, as the bytes that go on the wire.
 *
 * @param framingBroken the body's framing is deliberately wrong (a Content-Length longer than the body,
 *     a chunk size that is not hex, a second length or a transfer coding): the server cannot know where
 *     the body ends, so it is sent with end of stream after it, and it may close without an answer
 */
record RawRequest(Target target, byte[] bytes, boolean framingBroken) {
  boolean isHead() {
    return bytes.length >= 5 && new String(bytes, 0, 5, StandardCharsets.ISO_8859_1).equals("HEAD ");
  }

  /** The request, shortened and with control bytes made visible, for a failure message. */
  @Override
  public String toString() {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    StringBuilder shown = new StringBuilder(target.name()).append(": ");
    for (int i = 0; i < text.length() && shown.length() < 1500; i++) {
      char c = text.charAt(i);
      if (c == '\r') {
        shown.append("\\r");
      } else if (c == '\n') {
        shown.append("\\n");
      } else if (c < 0x20 || c > 0x7e) {
        shown.append(String.format("\\x%02x", (int) c));
      } else {
        shown.append(c);
      }
    }
    return text.length() > 1500 ? shown + "... (" + bytes.length + " bytes)" : shown.toString();
  }
}
