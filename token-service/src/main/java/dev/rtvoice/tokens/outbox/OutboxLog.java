package dev.rtvoice.tokens.outbox;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox on disk: an append-only log of {@link OutboxRecord}s in segment files named by the log
 * position they start at, plus a checkpoint of how far the relay has delivered. Positions are byte
 * offsets across the whole log, so they only grow. A lock file keeps a second process (or instance)
 * off the same directory.
 *
 * <p>Why memory-mapped: the answer to an issuance waits for its event to be here, and a hand-off to a
 * writer thread and back cost the answer two thread wake-ups (milliseconds at p99 on a loaded
 * machine). An append is a copy into the current segment's mapping, made on the caller's thread
 * (an event loop) under a short lock: no system call, no wait. What is copied into a shared mapping
 * is in the kernel's page cache, so it survives a kill of the process, as a {@code write()} would.
 * The segments are preallocated and their pages touched in advance ({@link #prepareSpare}, on the
 * syncer's thread), so an append does not fault a fresh page in from the file system either; at the
 * end of a segment, the spare becomes the next one with a rename (once per segment: with 16 MiB
 * segments and 600-byte events, once every 28,000 issuances).
 *
 * <p>Threads: callers append ({@link #append}, any thread, serialized here); one syncer
 * ({@link #sync}, {@link #prepareSpare}); one relay reads ({@link #read}) and moves the checkpoint
 * ({@link #markDelivered}), which deletes the segments wholly delivered.
 *
 * <p>Opening recovers: every segment is read and checked, and the log ends at the first record that
 * is torn (a kill in the middle of a write) or corrupt; what follows it is cut off and logged. A
 * segment ends at its first zero length: what follows it is the unused rest of the preallocation.
 */
public final class OutboxLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxLog.class);
  private static final String SUFFIX = ".outbox";
  private static final String SPARE_SUFFIX = ".spare";
  private static final int PAGE = 4_096;
  private static final long CHECK = 0x7274766f696365L;

  private final Path dir;
  private final long segmentBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final FileChannel checkpoint;
  private final ConcurrentSkipListMap<Long, Path> segments = new ConcurrentSkipListMap<>();
  /** Segments rolled away from and not yet flushed to the disk by {@link #sync}. */
  private final ConcurrentLinkedQueue<MappedByteBuffer> unsynced = new ConcurrentLinkedQueue<>();
  private MappedByteBuffer current;
  private long currentBase;
  /** The next segment, preallocated and touched, under a name of its own until it is used; guarded by {@code this}. */
  private Spare spare;
  private long spares;

  private record Spare(Path path, MappedByteBuffer buffer) {}
  private volatile long end;
  private volatile long delivered;

  /** A record and where it lies: from {@code position} up to {@code next}. */
  public record Positioned(long position, long next, OutboxRecord record) {}

  private OutboxLog(Path dir, long segmentBytes, FileChannel lockChannel, FileLock lock, FileChannel checkpoint) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.checkpoint = checkpoint;
  }

  /** Opens (creating it if need be) and recovers the outbox in {@code dir}; fails if another holds it. */
  public static OutboxLog open(Path dir, long segmentBytes) throws IOException {
    Files.createDirectories(dir);
    FileChannel lockChannel = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockChannel.close();
      throw new IOException("the outbox directory " + dir + " is in use by another token-service instance: "
          + "each instance needs its own (TOKEN_OUTBOX_DIR)");
    }
    FileChannel checkpoint = FileChannel.open(dir.resolve("delivered"), StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    OutboxLog log = new OutboxLog(dir, segmentBytes, lockChannel, lock, checkpoint);
    try {
      log.recover();
    } catch (IOException | RuntimeException e) {
      log.close();
      throw e;
    }
    return log;
  }

  private void recover() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).forEach(p -> {
        String name = p.getFileName().toString();
        segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), p);
      });
    }
    if (segments.isEmpty()) {
      segments.put(0L, segmentPath(0));
    }
    long position = segments.firstKey();
    List<Long> bases = new ArrayList<>(segments.keySet());
    for (int i = 0; i < bases.size(); i++) {
      long base = bases.get(i);
      if (base != position) {
        LOG.error("outbox segment {} does not follow the log's end {}: it and later segments are dropped", base,
            position);
        dropFrom(bases, i);
        break;
      }
      long validEnd = scan(segments.get(base));
      position = base + validEnd;
      if (!zeroFrom(segments.get(base), validEnd)) {
        LOG.warn("outbox segment {} holds a torn or corrupt record at byte {} (a crash during a write): "
            + "it and what follows are cut off", segments.get(base).getFileName(), validEnd);
        try (FileChannel ch = FileChannel.open(segments.get(base), StandardOpenOption.WRITE)) {
          ch.truncate(validEnd);
        }
        dropFrom(bases, i + 1);
        break;
      }
    }
    end = position;
    long checkpointed = readCheckpoint();
    delivered = Math.max(segments.firstKey(), Math.min(checkpointed < 0 ? segments.firstKey() : checkpointed, end));
    currentBase = segments.lastKey();
    current = map(segments.get(currentBase), Math.max(segmentBytes, end - currentBase));
    try (Stream<Path> files = Files.list(dir)) {
      for (Path leftover : files.filter(p -> p.getFileName().toString().endsWith(SPARE_SUFFIX)).toList()) {
        Files.deleteIfExists(leftover);
      }
    }
    deleteDelivered();
  }

  /** Whether the segment holds only zeros from {@code from} on: the unused rest of its preallocation. */
  private static boolean zeroFrom(Path segment, long from) throws IOException {
    if (!Files.exists(segment)) {
      return true;
    }
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
      ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
      long at = from;
      while (true) {
        chunk.clear();
        int n = ch.read(chunk, at);
        if (n < 0) {
          return true;
        }
        for (int i = 0; i < n; i++) {
          if (chunk.get(i) != 0) {
            return false;
          }
        }
        at += n;
      }
    }
  }

  /** Maps a segment file (created if need be) at {@code capacity} bytes, touching every page of it. */
  private static MappedByteBuffer map(Path segment, long capacity) throws IOException {
    if (capacity > Integer.MAX_VALUE) {
      throw new IOException("outbox segment too large: " + capacity);
    }
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      MappedByteBuffer buffer = ch.map(FileChannel.MapMode.READ_WRITE, 0, capacity);
      // writes a byte that is there (zero in a fresh file) into each page: the file system allocates the
      // page now, on this thread, not on the first append into it
      for (int at = 0; at < capacity; at += PAGE) {
        buffer.put(at, buffer.get(at));
      }
      return buffer;
    }
  }

  private void dropFrom(List<Long> bases, int from) throws IOException {
    for (int j = from; j < bases.size(); j++) {
      Files.deleteIfExists(segments.remove(bases.get(j)));
    }
  }

  /** The length of the segment's valid prefix: whole records whose checksums hold. */
  private static long scan(Path segment) throws IOException {
    if (!Files.exists(segment)) {
      return 0;
    }
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
      long size = ch.size();
      long at = 0;
      ByteBuffer header = ByteBuffer.allocate(OutboxRecord.HEADER_BYTES);
      while (at + OutboxRecord.HEADER_BYTES <= size) {
        header.clear();
        readFully(ch, header, at);
        int length = header.getInt(0);
        if (length <= 0 || length > OutboxRecord.MAX_BODY_BYTES || at + OutboxRecord.HEADER_BYTES + length > size) {
          return at;
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(ch, body, at + OutboxRecord.HEADER_BYTES);
        if (OutboxRecord.decode(header.getInt(4), body.array()) == null) {
          return at;
        }
        at += OutboxRecord.HEADER_BYTES + length;
      }
      return at;
    }
  }

  /** Appends the records, in order (rolling to the next segment where one does not fit); returns the new end. */
  public long append(List<OutboxRecord> records) throws IOException {
    long at = end;
    for (OutboxRecord record : records) {
      at = append(record.encode());
    }
    return at;
  }

  /**
   * Appends one encoded record: a copy into the current segment's mapping, so callers on an event loop
   * may call it. Returns the new end.
   */
  public synchronized long append(ByteBuffer encoded) throws IOException {
    int length = encoded.remaining();
    if (end - currentBase + length > current.capacity()) {
      roll(length);
    }
    current.put((int) (end - currentBase), encoded, encoded.position(), length);
    end += length;
    return end;
  }

  private void roll(int length) throws IOException {
    unsynced.add(current);
    long base = end;
    Path next = segmentPath(base);
    if (spare != null && spare.buffer().capacity() >= length) {
      Files.move(spare.path(), next, StandardCopyOption.ATOMIC_MOVE);
      current = spare.buffer();
      spare = null;
    } else {
      // no spare yet (the syncer has not made one since the last roll) or a record larger than a segment
      current = map(next, Math.max(segmentBytes, length));
    }
    currentBase = base;
    segments.put(base, next);
  }

  /** Syncer thread: preallocates the next segment, unless one is ready. */
  public void prepareSpare() throws IOException {
    synchronized (this) {
      if (spare != null) {
        return;
      }
    }
    // mapped and touched outside the lock: appends go on meanwhile; only this thread makes spares
    Path path = dir.resolve(String.format("%d%s", ++spares, SPARE_SUFFIX));
    Spare prepared = new Spare(path, map(path, segmentBytes));
    synchronized (this) {
      spare = prepared;
    }
  }

  /** Makes what was appended survive a crash of the machine, not only of the process. */
  public void sync() {
    MappedByteBuffer now;
    synchronized (this) {
      now = current;
    }
    for (MappedByteBuffer rolled; (rolled = unsynced.poll()) != null; ) {
      rolled.force();
    }
    now.force();
  }

  public long end() {
    return end;
  }

  public long delivered() {
    return delivered;
  }

  /** Bytes appended and not yet delivered. */
  public long pendingBytes() {
    return end - delivered;
  }

  /** Relay thread: up to {@code maxRecords} records (or about {@code maxBytes}) from {@code from} on. */
  public List<Positioned> read(long from, int maxRecords, int maxBytes) throws IOException {
    List<Positioned> out = new ArrayList<>();
    long limit = end;
    long at = from;
    int bytes = 0;
    while (at < limit && out.size() < maxRecords && bytes < maxBytes) {
      Map.Entry<Long, Path> segment = segments.floorEntry(at);
      if (segment == null) {
        throw new IOException("no outbox segment holds position " + at);
      }
      Long nextBase = segments.higherKey(segment.getKey());
      long segmentEnd = nextBase == null ? limit : nextBase;
      if (at >= segmentEnd) {
        at = segmentEnd;
        continue;
      }
      try (FileChannel ch = FileChannel.open(segment.getValue(), StandardOpenOption.READ)) {
        ByteBuffer header = ByteBuffer.allocate(OutboxRecord.HEADER_BYTES);
        while (at < segmentEnd && out.size() < maxRecords && bytes < maxBytes) {
          header.clear();
          readFully(ch, header, at - segment.getKey());
          int length = header.getInt(0);
          ByteBuffer body = ByteBuffer.allocate(length);
          readFully(ch, body, at - segment.getKey() + OutboxRecord.HEADER_BYTES);
          OutboxRecord record = OutboxRecord.decode(header.getInt(4), body.array());
          if (record == null) {
            throw new IOException("outbox record at " + at + " fails its checksum");
          }
          long next = at + OutboxRecord.HEADER_BYTES + length;
          out.add(new Positioned(at, next, record));
          bytes += length;
          at = next;
        }
      }
    }
    return out;
  }

  /** Relay thread: everything before {@code position} is on Kafka; segments wholly before it go. */
  public void markDelivered(long position) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(16).putLong(position).putLong(position ^ CHECK);
    buffer.flip();
    // no fsync: a checkpoint lost with the machine only means records delivered twice, recognisable by event id
    while (buffer.hasRemaining()) {
      checkpoint.write(buffer, buffer.position());
    }
    delivered = position;
    deleteDelivered();
  }

  private void deleteDelivered() throws IOException {
    while (true) {
      Map.Entry<Long, Path> first = segments.firstEntry();
      Long second = first == null ? null : segments.higherKey(first.getKey());
      if (second == null || second > delivered) {
        return;
      }
      segments.remove(first.getKey());
      Files.deleteIfExists(first.getValue());
    }
  }

  private long readCheckpoint() throws IOException {
    if (checkpoint.size() < 16) {
      return -1;
    }
    ByteBuffer buffer = ByteBuffer.allocate(16);
    readFully(checkpoint, buffer, 0);
    long position = buffer.getLong(0);
    return (position ^ CHECK) == buffer.getLong(8) ? position : -1;
  }

  private Path segmentPath(long base) {
    return dir.resolve(String.format("%020d%s", base, SUFFIX));
  }

  private static void readFully(FileChannel ch, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = ch.read(buffer, at);
      if (n < 0) {
        throw new IOException("unexpected end of outbox file");
      }
      at += n;
    }
    buffer.flip();
  }

  @Override
  public void close() throws IOException {
    try {
      if (current != null) {
        sync();
      }
      synchronized (this) {
        if (spare != null) {
          Files.deleteIfExists(spare.path());
        }
      }
      checkpoint.close();
    } finally {
      lock.release();
      lockChannel.close();
    }
  }
}
