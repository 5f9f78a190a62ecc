package dev.rtvoice.common.event;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes and reads the envelope's instants. Every record carries two ({@code occurred_at},
 * {@code recorded_at}), and {@link Instant#toString} and {@link Instant#parse}, through the general
 * {@code DateTimeFormatter}, were 4 % of session-service's CPU in the profile. The form
 * {@link Instant#toString} writes ({@code 2026-01-31T12:00:00Z} with 0, 3, 6 or 9 fraction digits,
 * UTC) is written and read directly, for years 0 to 9999; anything else goes to the JDK's, so the text
 * written, what is accepted and its value are exactly the JDK's.
 */
public final class Instants {
  private static final int NO_FRACTION_LENGTH = "2026-01-31T12:00:00Z".length();

  private Instants() {}

  /** The same text as {@link Instant#toString}. */
  public static String format(Instant instant) {
    long seconds = instant.getEpochSecond();
    long epochDay = Math.floorDiv(seconds, 86_400);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400);
    if (epochDay < MIN_EPOCH_DAY || epochDay > MAX_EPOCH_DAY) {
      return instant.toString();
    }
    LocalDate date = LocalDate.ofEpochDay(epochDay);
    int nanos = instant.getNano();
    char[] out = new char[30];
    int at = 0;
    at = put(out, at, date.getYear(), 4);
    out[at++] = '-';
    at = put(out, at, date.getMonthValue(), 2);
    out[at++] = '-';
    at = put(out, at, date.getDayOfMonth(), 2);
    out[at++] = 'T';
    at = put(out, at, secondOfDay / 3_600, 2);
    out[at++] = ':';
    at = put(out, at, secondOfDay / 60 % 60, 2);
    out[at++] = ':';
    at = put(out, at, secondOfDay % 60, 2);
    if (nanos != 0) {
      out[at++] = '.';
      if (nanos % 1_000_000 == 0) {
        at = put(out, at, nanos / 1_000_000, 3);
      } else if (nanos % 1_000 == 0) {
        at = put(out, at, nanos / 1_000, 6);
      } else {
        at = put(out, at, nanos, 9);
      }
    }
    out[at++] = 'Z';
    return new String(out, 0, at);
  }

  private static final long MIN_EPOCH_DAY = LocalDate.of(0, 1, 1).toEpochDay();
  private static final long MAX_EPOCH_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

  /** {@code value} as {@code width} decimal digits, zero-padded. */
  private static int put(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
    return at + width;
  }

  /** As {@link Instant#parse}, which also throws what it throws. */
  public static Instant parse(String text) {
    Instant fast = fast(text);
    return fast != null ? fast : Instant.parse(text);
  }

  /** The common form, or null when {@code text} is anything else (left to {@link Instant#parse}). */
  static Instant fast(String text) {
    int n = text.length();
    if (n < NO_FRACTION_LENGTH || n > NO_FRACTION_LENGTH + 10 || text.charAt(n - 1) != 'Z'
        || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
        || text.charAt(16) != ':') {
      return null;
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    // a leap second (60) and hour 24 are the general parser's to judge
    if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
        || second > 59) {
      return null;
    }
    int nanos = 0;
    int fractionDigits = n - 1 - 19;
    if (fractionDigits > 0) {
      if (text.charAt(19) != '.' || fractionDigits == 1) {
        return null;  // "." without digits, or something other than a fraction
      }
      int fraction = digits(text, 20, fractionDigits - 1);
      if (fraction < 0) {
        return null;
      }
      nanos = fraction;
      for (int i = fractionDigits - 1; i < 9; i++) {
        nanos *= 10;
      }
    }
    long epochDay;
    try {
      epochDay = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException e) {
      return null;  // no such date: Instant.parse says why
    }
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
  }

  /** The decimal value of {@code count} ASCII digits at {@code from}, or -1 if one is not a digit. */
  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
