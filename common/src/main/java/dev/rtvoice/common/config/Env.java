package dev.rtvoice.common.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed access to configuration variables (the process environment, or a map in tests). Every read
 * names its default; a value that does not parse fails start-up with a message that names the
 * variable, instead of running with a surprise.
 */
public final class Env {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final Map<String, String> values;

  public Env(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  public static Env system() {
    return new Env(System.getenv());
  }

  /** This environment with some variables replaced; used to derive per-service settings. */
  public Env with(Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>(values);
    merged.putAll(overrides);
    return new Env(merged);
  }

  public Map<String, String> asMap() {
    return values;
  }

  public Optional<String> optional(String name) {
    String value = values.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  public String string(String name, String defaultValue) {
    return optional(name).orElse(defaultValue);
  }

  public String required(String name) {
    return optional(name).orElseThrow(() -> new ConfigException(name + " is required"));
  }

  /**
   * A secret given either directly in {@code name} or as a file path in {@code name_FILE} (the Docker
   * secrets convention). The value is never put in an exception message.
   */
  public Optional<String> secret(String name) {
    Optional<String> direct = optional(name);
    Optional<String> file = optional(name + "_FILE");
    if (direct.isPresent() && file.isPresent()) {
      throw new ConfigException("set only one of " + name + " and " + name + "_FILE");
    }
    if (file.isPresent()) {
      try {
        String content = Files.readString(Path.of(file.get())).trim();
        if (content.isEmpty()) {
          throw new ConfigException(name + "_FILE points to an empty file");
        }
        return Optional.of(content);
      } catch (IOException e) {
        throw new ConfigException(name + "_FILE cannot be read: " + e.getClass().getSimpleName());
      }
    }
    return direct;
  }

  public int intInRange(String name, int defaultValue, int min, int max) {
    return (int) longInRange(name, defaultValue, min, max);
  }

  public long longInRange(String name, long defaultValue, long min, long max) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    long value;
    try {
      value = Long.parseLong(raw.get());
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be an integer, got '" + raw.get() + "'");
    }
    if (value < min || value > max) {
      throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  public double doubleInRange(String name, double defaultValue, double min, double max) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    double value;
    try {
      value = Double.parseDouble(raw.get());
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be a number, got '" + raw.get() + "'");
    }
    if (!(value >= min && value <= max)) {
      throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + raw.get());
    }
    return value;
  }

  public boolean bool(String name, boolean defaultValue) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    switch (raw.get().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on":
        return true;
      case "false", "0", "no", "off":
        return false;
      default:
        throw new ConfigException(name + " must be true or false, got '" + raw.get() + "'");
    }
  }

  /** A duration such as {@code 1500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}. */
  public Duration duration(String name, Duration defaultValue) {
    Optional<String> raw = optional(name);
    return raw.isEmpty() ? defaultValue : parseDuration(name, raw.get());
  }

  public static Duration parseDuration(String name, String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new ConfigException(name + " must be a duration such as 1500ms, 30s, 5m, 2h or 7d, got '" + text + "'");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
  }

  /** A comma-separated list; blank entries are dropped. */
  public List<String> list(String name, List<String> defaultValue) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    return Arrays.stream(raw.get().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
