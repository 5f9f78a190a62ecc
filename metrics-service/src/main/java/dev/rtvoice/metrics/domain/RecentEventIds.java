package dev.rtvoice.metrics.domain;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The last {@code capacity} event ids this instance counted, to drop a redelivered copy of an event.
 *
 * <p>Why it is needed beyond offsets: a producer that re-runs its work after a crash (session-service
 * re-applies commands whose snapshot was not yet acknowledged) writes the same derived events again,
 * with the same deterministic {@code event_id}, at new offsets. Counting them twice would inflate
 * the counters that alert rules divide. Copies arrive within the producer's restart time, so a
 * bounded memory of recent ids suffices; a copy older than {@code capacity} ids is counted again
 * (documented, and sized so that it covers a restart at the suite's event rates).
 */
public final class RecentEventIds {
  private final Map<UUID, Boolean> ids;

  public RecentEventIds(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.ids = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  /** True the first time an id is seen (remembering it), false for a copy. */
  public boolean firstSighting(UUID eventId) {
    return ids.putIfAbsent(eventId, Boolean.TRUE) == null;
  }

  public int size() {
    return ids.size();
  }
}
