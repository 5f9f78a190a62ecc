package dev.rtvoice.sessions.domain;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/**
 * The last few ids seen, as 64-bit hashes in a ring: enough to recognize a repeat, bounded, and small
 * (8 bytes an id, nothing allocated until the first one). A collision would need two of the last
 * {@code capacity} ids of one session to share 64 bits.
 */
public final class RecentIds {
  private final int capacity;
  private long[] ring;
  private int size;
  private int next;

  public RecentIds(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.capacity = capacity;
  }

  public boolean contains(String id) {
    return id != null && containsHash(hash(id));
  }

  public void add(String id) {
    if (id == null) {
      return;
    }
    long h = hash(id);
    if (!containsHash(h)) {
      push(h);
    }
  }

  /** Appends while there is room (growing the array as needed), then overwrites the oldest. */
  private void push(long h) {
    if (size < capacity) {
      if (ring == null) {
        ring = new long[Math.min(capacity, 4)];
      } else if (size == ring.length) {
        ring = Arrays.copyOf(ring, Math.min(capacity, ring.length * 2));
      }
      ring[size++] = h;
      next = size % capacity;
    } else {
      ring[next] = h;
      next = (next + 1) % capacity;
    }
  }

  public int size() {
    return size;
  }

  private boolean containsHash(long h) {
    for (int i = 0; i < size; i++) {
      if (ring[i] == h) {
        return true;
      }
    }
    return false;
  }

  public RecentIds copy() {
    RecentIds c = new RecentIds(capacity);
    c.ring = ring == null ? null : ring.clone();
    c.size = size;
    c.next = next;
    return c;
  }

  /** Oldest first, as base64 of big-endian longs; empty string when empty. */
  public String encode() {
    if (size == 0) {
      return "";
    }
    ByteBuffer b = ByteBuffer.allocate(size * 8);
    int start = size < capacity ? 0 : next;
    for (int i = 0; i < size; i++) {
      b.putLong(ring[(start + i) % capacity]);
    }
    return Base64.getEncoder().withoutPadding().encodeToString(b.array());
  }

  public static RecentIds decode(String encoded, int capacity) {
    RecentIds ids = new RecentIds(capacity);
    if (encoded == null || encoded.isEmpty()) {
      return ids;
    }
    ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(encoded));
    while (b.remaining() >= 8) {
      ids.push(b.getLong());
    }
    return ids;
  }

  /** 64-bit FNV-1a over the UTF-16 units, then a murmur finalizer to spread the bits. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }
}
