package dev.rtvoice.tokens.config;

import java.util.Objects;

/**
 * A configuration secret (the upstream API key, the JWT HMAC secret). Its {@code toString} never
 * shows the value, so a config record that is logged or printed in an exception leaks nothing.
 */
public final class Secret {
  private final String value;

  public Secret(String value) {
    this.value = Objects.requireNonNull(value);
  }

  /** The value, for the one place that must send it (an Authorization header, a MAC key). */
  public String reveal() {
    return value;
  }

  @Override
  public String toString() {
    return "Secret[redacted]";
  }
}
