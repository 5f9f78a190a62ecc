package dev.rtvoice.tokens.domain;

import dev.rtvoice.common.handle.TenantIds;

/**
 * Reads the user's tenant from their identity-provider JWT: the claim named by {@code TENANT_CLAIM}.
 * Only a string of {@code [A-Za-z0-9_.:-]{1,64}} is taken (it becomes a budget key and a label
 * downstream); anything else (a number, an object, a long or odd string) is ignored, so the caller is
 * served without a tenant, and the ignoring is counted.
 */
public final class TenantClaim {
  /** A claim name: printable, no spaces (namespaced claims such as {@code https://example.com/tenant} fit). */
  private static final int MAX_NAME_LENGTH = 256;

  /** What a JWT said about its tenant. */
  public record Reading(String tenantId, boolean ignored) {
    static final Reading ABSENT = new Reading(null, false);
    static final Reading IGNORED = new Reading(null, true);
  }

  private final String name;

  public TenantClaim(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH
        || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("a claim name is 1 to " + MAX_NAME_LENGTH
          + " printable ASCII characters without spaces");
    }
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** @param value the claim's value in the verified JWT, null when absent */
  public Reading read(Object value) {
    if (value == null) {
      return Reading.ABSENT;
    }
    return value instanceof String s && TenantIds.isValid(s) ? new Reading(s, false) : Reading.IGNORED;
  }
}
