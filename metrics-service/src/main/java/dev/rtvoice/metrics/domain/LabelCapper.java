package dev.rtvoice.metrics.domain;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Bounds the values of one label, so that a client inventing platform names cannot grow memory,
 * panes or Prometheus series without limit. With an allowlist, only its values pass (the same on
 * every instance, so their panes always agree); without one, the first {@code limit} distinct values
 * pass. Everything else becomes {@link #OTHER}.
 */
public final class LabelCapper {
  public static final String OTHER = "other";

  private final int limit;
  private final Set<String> allowlist;
  private final Map<String, String> admitted = new HashMap<>();

  public LabelCapper(int limit, Set<String> allowlist) {
    if (limit < 1) {
      throw new IllegalArgumentException("label limit must be at least 1");
    }
    this.limit = limit;
    this.allowlist = Set.copyOf(allowlist);
  }

  public static LabelCapper firstSeen(int limit) {
    return new LabelCapper(limit, Set.of());
  }

  /** The value to use for {@code value}: itself when admitted, else {@link #OTHER}. */
  public String cap(String value) {
    String known = admitted.get(value);
    if (known != null) {
      return known;
    }
    if (allowlist.isEmpty() ? admitted.size() < limit : allowlist.contains(value)) {
      admitted.put(value, value);
      return value;
    }
    return OTHER;
  }

  public int admittedCount() {
    return admitted.size();
  }
}
