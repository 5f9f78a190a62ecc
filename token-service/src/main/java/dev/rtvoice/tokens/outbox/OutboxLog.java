package dev.rtvoice.tokens.outbox;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox on disk: an append-only log of {@link OutboxRecord}s in segment files named by the log
 * position they start at, plus a checkpoint of how far the relay has delivered. Positions are byte
 * offsets across the whole log, so they only grow. One writer thread appends ({@link #append},
 * {@link #sync}); one relay thread reads ({@link #read}) and moves the checkpoint
 * ({@link #markDelivered}), which deletes the segments wholly delivered. A lock file keeps a second
 * process (or instance) off the same directory.
 *
 * <p>Opening recovers: every segment is read and checked, and the log ends at the first record that
 * is torn (a kill in the middle of a write) or corrupt; what follows it is cut off and logged.
 */
public final class OutboxLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxLog.class);
  private static final String SUFFIX = ".outbox";
  private static final long CHECK = 0x7274766f696365L;

  private final Path dir;
  private final long segmentBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final FileChannel checkpoint;
  private final ConcurrentSkipListMap<Long, Path> segments = new ConcurrentSkipListMap<>();
  private FileChannel current;
  private long currentBase;
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
      long size = Files.exists(segments.get(base)) ? Files.size(segments.get(base)) : 0;
      position = base + validEnd;
      if (validEnd < size) {
        LOG.warn("outbox segment {} ends in {} bytes of a torn or corrupt record (a kill during a write): cut off",
            segments.get(base).getFileName(), size - validEnd);
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
    current = FileChannel.open(segments.get(currentBase), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    current.position(end - currentBase);
    deleteDelivered();
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

  /** Writer thread: appends the records in one write (rolling to a new segment first if this one is full). */
  public long append(List<OutboxRecord> records) throws IOException {
    if (records.isEmpty()) {
      return end;
    }
    if (end - currentBase >= segmentBytes) {
      roll();
    }
    ByteBuffer[] buffers = new ByteBuffer[records.size()];
    long total = 0;
    for (int i = 0; i < buffers.length; i++) {
      buffers[i] = records.get(i).encode();
      total += buffers[i].remaining();
    }
    long written = 0;
    while (written < total) {
      written += current.write(buffers);
    }
    end += total;
    return end;
  }

  private void roll() throws IOException {
    current.force(false);
    current.close();
    currentBase = end;
    Path next = segmentPath(currentBase);
    current = FileChannel.open(next, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    segments.put(currentBase, next);
  }

  /** Makes what was appended survive a crash of the machine, not only of the process. */
  public void sync() throws IOException {
    current.force(false);
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
        current.force(false);
        current.close();
      }
      checkpoint.close();
    } finally {
      lock.release();
      lockChannel.close();
    }
  }
}
