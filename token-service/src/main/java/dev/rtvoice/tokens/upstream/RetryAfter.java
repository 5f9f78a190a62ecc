package dev.rtvoice.tokens.upstream;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Parses a Retry-After header: delay-seconds or an HTTP date. */
final class RetryAfter {
  /** Upstream asking us to wait longer than this is treated as this: we have no more time anyway. */
  static final long MAX_MS = 120_000;

  private RetryAfter() {}

  /** The delay in ms, or -1 when the header is absent or unreadable. */
  static long parseMs(String header, Instant now) {
    if (header == null || header.isBlank()) {
      return -1;
    }
    String value = header.trim();
    try {
      double seconds = Double.parseDouble(value);
      return seconds < 0 ? -1 : Math.min(MAX_MS, (long) Math.ceil(seconds * 1000));
    } catch (NumberFormatException e) {
      try {
        Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return Math.max(0, Math.min(MAX_MS, at.toEpochMilli() - now.toEpochMilli()));
      } catch (DateTimeParseException notADate) {
        return -1;
      }
    }
  }
}
