package dev.rtvoice.common.logging;

import ch.qos.logback.core.PropertyDefinerBase;
import java.util.Locale;

/**
 * Picks the console appender from {@code LOG_FORMAT} ({@code text}, the default, or {@code json}) for
 * {@code logback.xml}. An unknown value falls back to text with a warning on stderr: a typo in a
 * deployment must never silence a service's logs, which naming an appender that does not exist would.
 */
public final class LogFormatDefiner extends PropertyDefinerBase {
  public static final String VARIABLE = "LOG_FORMAT";

  @Override
  public String getPropertyValue() {
    String raw = System.getProperty(VARIABLE, System.getenv(VARIABLE));
    return appenderFor(raw, message -> {
      addWarn(message);
      System.err.println(message);
    });
  }

  /** The appender name in logback.xml for a {@code LOG_FORMAT} value. */
  static String appenderFor(String raw, java.util.function.Consumer<String> warn) {
    String value = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
    switch (value) {
      case "", "text":
        return "TEXT";
      case "json":
        return "JSON";
      default:
        warn.accept(VARIABLE + " must be text or json, not '" + abbreviate(raw) + "'; logging as text");
        return "TEXT";
    }
  }

  private static String abbreviate(String raw) {
    return raw.length() <= 32 ? raw : raw.substring(0, 32) + "...";
  }
}
