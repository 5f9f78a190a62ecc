package dev.rtvoice.common.handle;

import java.util.regex.Pattern;

/** What a tenant id may be: short and plain, since it becomes a metric label and a budget key elsewhere. */
public final class TenantIds {
  public static final String PATTERN_TEXT = "[A-Za-z0-9_.:-]{1,64}";
  private static final Pattern PATTERN = Pattern.compile(PATTERN_TEXT);

  private TenantIds() {}

  public static boolean isValid(String value) {
    return value != null && value.length() <= 64 && PATTERN.matcher(value).matches();
  }
}
