package dev.rtvoice.common.http;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which browser origins may call a service ({@code CORS_ALLOWED_ORIGINS}, comma-separated): an exact
 * origin ({@code https://app.example.com}), an origin on any port ({@code http://localhost:*}), or
 * {@code *} for any. An empty list allows no cross-origin call at all. Plain Java, no Vert.x.
 */
public final class CorsPolicy {
  public static final String VARIABLE = "CORS_ALLOWED_ORIGINS";
  /** The default with {@code DEV_MODE=true}: pages served from this machine, on any port. */
  public static final List<String> DEV_ORIGINS = List.of("http://localhost:*", "http://127.0.0.1:*");

  private static final Pattern ENTRY =
      Pattern.compile("(https?://(?:[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*|\\[[0-9A-Fa-f:.]+\\]))(?::(\\d{1,5}|\\*))?");
  /** A browser's Origin header is at most a scheme, a host and a port; anything longer is refused unread. */
  private static final int MAX_ORIGIN_CHARS = 300;

  private final List<String> entries;
  private final boolean any;

  private CorsPolicy(List<String> entries) {
    this.entries = List.copyOf(entries);
    this.any = entries.contains("*");
  }

  /** Validates {@code origins} as {@code CORS_ALLOWED_ORIGINS} entries; a bad one is a ConfigException naming it. */
  public static CorsPolicy of(List<String> origins) {
    for (String origin : origins) {
      Matcher m = ENTRY.matcher(origin);
      if (!"*".equals(origin) && (!m.matches() || (m.group(2) != null && !"*".equals(m.group(2))
          && Integer.parseInt(m.group(2)) > 65535))) {
        throw new ConfigException(VARIABLE + " entries must be origins such as https://app.example.com "
            + "or http://localhost:* (any port), or *; got '" + origin + "'");
      }
    }
    return new CorsPolicy(origins.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList());
  }

  /** {@code CORS_ALLOWED_ORIGINS}, defaulting to {@link #DEV_ORIGINS} with {@code DEV_MODE=true} and to none otherwise. */
  public static CorsPolicy fromEnv(Env env) {
    boolean devMode = env.bool("DEV_MODE", false);
    return of(env.list(VARIABLE, devMode ? DEV_ORIGINS : List.of()));
  }

  /** Whether every origin is allowed ({@code *}). */
  public boolean allowsAny() {
    return any;
  }

  public List<String> entries() {
    return entries;
  }

  /** Whether a request carrying this {@code Origin} header may be answered. */
  public boolean allows(String origin) {
    if (origin == null || origin.length() > MAX_ORIGIN_CHARS) {
      return false;
    }
    if (any) {
      return true;
    }
    String candidate = origin.toLowerCase(Locale.ROOT);
    for (String entry : entries) {
      if (entry.equals(candidate)) {
        return true;
      }
      if (entry.endsWith(":*")) {
        String host = entry.substring(0, entry.length() - 2);
        if (candidate.equals(host) || (candidate.startsWith(host + ":") && isPort(candidate.substring(host.length() + 1)))) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isPort(String s) {
    if (s.isEmpty() || s.length() > 5) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return Integer.parseInt(s) <= 65535;
  }

  @Override
  public String toString() {
    return entries.isEmpty() ? "(none)" : String.join(",", entries);
  }
}
