package dev.rtvoice.metrics.domain;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which copy of a client telemetry batch counts: the first one in its partition's log. Every retry
 * of a batch carries the same key (session, {@code batch_id}, chunk) and, keyed by session, lands in
 * the same partition, so whichever instance consumes the partition reaches the same verdict, before
 * or after a restart, in any order the copies were written.
 *
 * <p>A key is remembered (with the offset of its first copy) until the partition's log time, the
 * newest {@code recorded_at} read from it, passes the key's expiry. The caller sets the expiry so
 * that no later copy can still carry a sample: metrics-service accepts a sample only up to the
 * allowed lateness after it happened, and a copy reaches the log at most the delivery timeout after
 * it was recorded. Log time rather than the wall clock, so that catching up on a backlog never
 * forgets keys early. Each partition keeps at most {@code capacity} keys; past that the oldest are
 * forgotten (counted by the caller through {@link #evicted()}).
 *
 * <p>Plain Java, not thread-safe: one owner.
 *
 * @param <K> the key type (the chunk's derived event id: a UUID is a third of the memory of its text)
 */
public final class IngestKeys<K> {
  /** What to do with one copy. */
  public enum Verdict {
    /** The first copy of its key in the log: count it. */
    FIRST,
    /** A later copy of a key already counted: skip it. */
    DUPLICATE
  }

  private final int capacity;
  private final Map<Integer, PartitionKeys> partitions = new HashMap<>();
  private long evicted;

  public IngestKeys(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
  }

  /**
   * Notes a copy seen while rebuilding the memory of a partition (nothing is counted then): the
   * earliest offset of a key is the one that counts.
   */
  public void remember(int partition, K key, long offset, long recordedAtMs, long expiresAtMs) {
    partition(partition).note(key, offset, recordedAtMs, expiresAtMs);
  }

  /** The verdict on the copy at {@code offset}; remembers the key if it is new. */
  public Verdict admit(int partition, K key, long offset, long recordedAtMs, long expiresAtMs) {
    long first = partition(partition).note(key, offset, recordedAtMs, expiresAtMs);
    return first < offset ? Verdict.DUPLICATE : Verdict.FIRST;
  }

  public int size() {
    int n = 0;
    for (PartitionKeys p : partitions.values()) {
      n += p.keys.size();
    }
    return n;
  }

  /** Keys forgotten before their expiry because a partition held {@code capacity} keys. */
  public long evicted() {
    return evicted;
  }

  private PartitionKeys partition(int partition) {
    return partitions.computeIfAbsent(partition, p -> new PartitionKeys());
  }

  private record Entry(long firstOffset, long expiresAtMs) {}

  private final class PartitionKeys {
    /** In the order first seen, which is close to expiry order. */
    final LinkedHashMap<K, Entry> keys = new LinkedHashMap<>();
    long logTimeMs = Long.MIN_VALUE;

    /** Returns the first offset of the key, after noting this one. */
    long note(K key, long offset, long recordedAtMs, long expiresAtMs) {
      logTimeMs = Math.max(logTimeMs, recordedAtMs);
      Entry entry = keys.get(key);
      long first;
      if (entry == null) {
        keys.put(key, new Entry(offset, expiresAtMs));
        first = offset;
      } else if (offset < entry.firstOffset) {
        // rebuilt out of order: the earlier copy counts
        keys.put(key, new Entry(offset, Math.max(expiresAtMs, entry.expiresAtMs)));
        first = offset;
      } else {
        if (expiresAtMs > entry.expiresAtMs) {
          keys.put(key, new Entry(entry.firstOffset, expiresAtMs));
        }
        first = entry.firstOffset;
      }
      expire();
      return first;
    }

    private void expire() {
      Iterator<Entry> it = keys.values().iterator();
      // entries are roughly in expiry order: stop at the first one still needed (a later one that
      // expired already is kept a little longer, which is safe)
      while (it.hasNext()) {
        Entry e = it.next();
        if (e.expiresAtMs < logTimeMs || keys.size() > capacity) {
          if (e.expiresAtMs >= logTimeMs) {
            evicted++;
          }
          it.remove();
        } else {
          break;
        }
      }
    }
  }
}
