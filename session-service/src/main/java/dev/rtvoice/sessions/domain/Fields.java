package dev.rtvoice.sessions.domain;

import java.util.Map;

/**
 * Strict reading of request fields with the same rules as event summaries; every failure is an
 * {@link InvalidSummaryException} naming the field.
 */
public final class Fields {
  private Fields() {}

  /** An id: printable ASCII without spaces, at most 128 characters; null when absent and optional. */
  public static String id(Map<String, Object> m, String field, boolean required) {
    return EventSummary.id(m, "", field, required);
  }

  /** A reason: lower-case letters, digits, '_', at most 64 characters. */
  public static String reason(Map<String, Object> m, String field, boolean required) {
    return EventSummary.reason(m, "", field, required);
  }

  /** An integer within bounds; {@code Long.MIN_VALUE} when absent and optional. */
  public static long integer(Map<String, Object> m, String field, boolean required, long min, long max) {
    return EventSummary.integer(m, "", field, required, min, max);
  }
}
