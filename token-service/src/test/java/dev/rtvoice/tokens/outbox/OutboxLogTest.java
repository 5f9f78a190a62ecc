package dev.rtvoice.tokens.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxLogTest {
  private static final long SEGMENT = 4_096;

  @TempDir
  Path dir;

  private static OutboxRecord record(int i) {
    return new OutboxRecord("realtime.token.events", "rts_" + i,
        ("{\"event_id\":\"e-" + i + "\",\"n\":" + i + ",\"pad\":\"" + "x".repeat(200) + "\"}")
            .getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> values(List<OutboxLog.Positioned> read) {
    return read.stream().map(p -> new String(p.record().value(), StandardCharsets.UTF_8)).toList();
  }

  private static List<OutboxLog.Positioned> readAll(OutboxLog log, long from) throws IOException {
    List<OutboxLog.Positioned> all = new ArrayList<>();
    long at = from;
    while (at < log.end()) {
      List<OutboxLog.Positioned> batch = log.read(at, 7, 1 << 20);
      all.addAll(batch);
      at = batch.get(batch.size() - 1).next();
    }
    return all;
  }

  @Test
  void recordsComeBackInOrderAcrossSegmentsAndAReopen() throws IOException {
    List<String> written = new ArrayList<>();
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      for (int i = 0; i < 60; i += 3) {
        log.append(List.of(record(i), record(i + 1), record(i + 2)));
        for (int j = i; j < i + 3; j++) {
          written.add(new String(record(j).value(), StandardCharsets.UTF_8));
        }
      }
      assertThat(segments()).hasSizeGreaterThan(2);
      assertThat(values(readAll(log, log.delivered()))).isEqualTo(written);
      assertThat(readAll(log, 0).get(5).record().key()).isEqualTo("rts_5");
    }
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      assertThat(log.delivered()).isZero();
      assertThat(values(readAll(log, 0))).isEqualTo(written);
    }
  }

  @Test
  void theCheckpointSurvivesAReopenAndDeliveredSegmentsAreDeleted() throws IOException {
    long half;
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      for (int i = 0; i < 60; i++) {
        log.append(List.of(record(i)));
      }
      List<OutboxLog.Positioned> all = readAll(log, 0);
      half = all.get(40).position();
      int before = segments().size();
      log.markDelivered(half);
      assertThat(segments().size()).isLessThan(before);
      assertThat(log.pendingBytes()).isEqualTo(log.end() - half);
    }
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      assertThat(log.delivered()).isEqualTo(half);
      List<OutboxLog.Positioned> rest = readAll(log, log.delivered());
      assertThat(rest).hasSize(20);
      assertThat(rest.get(0).record().key()).isEqualTo("rts_40");
    }
  }

  @Test
  void aRecordTornByAKillEndsTheLogAndIsCutOff() throws IOException {
    long end;
    try (OutboxLog log = OutboxLog.open(dir, 1 << 20)) {
      log.append(List.of(record(1), record(2)));
      end = log.end();
    }
    Path segment = segments().get(0);
    // half a record right after the last whole one, as a crash in the middle of a write leaves it
    byte[] next = record(3).encode().array();
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(java.util.Arrays.copyOf(next, next.length / 2)), end);
    }
    try (OutboxLog log = OutboxLog.open(dir, 1 << 20)) {
      assertThat(log.end()).isEqualTo(end);
      assertThat(bytesFrom(segment, end)).as("the torn half is gone").containsOnly((byte) 0);
      log.append(List.of(record(4)));
      assertThat(readAll(log, 0)).extracting(p -> p.record().key()).containsExactly("rts_1", "rts_2", "rts_4");
    }
    try (OutboxLog log = OutboxLog.open(dir, 1 << 20)) {
      assertThat(readAll(log, 0)).extracting(p -> p.record().key()).containsExactly("rts_1", "rts_2", "rts_4");
    }
  }

  @Test
  void segmentsArePreallocatedAndTheirUnusedRestIsNotATornRecord() throws IOException {
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      log.append(List.of(record(1)));
      assertThat(Files.size(segments().get(0))).as("preallocated").isEqualTo(SEGMENT);
      for (int i = 2; i < 40; i++) {
        log.prepareSpare();
        log.append(List.of(record(i)));
      }
      assertThat(segments()).hasSizeGreaterThan(2);
      assertThat(spares()).hasSize(1);
    }
    assertThat(spares()).isEmpty();
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      assertThat(readAll(log, 0)).hasSize(39);
      log.append(List.of(record(40)));
      assertThat(readAll(log, 0)).extracting(p -> p.record().key()).endsWith("rts_39", "rts_40");
    }
  }

  @Test
  void aRecordLargerThanASegmentGetsASegmentOfItsOwn() throws IOException {
    byte[] large = ("{\"pad\":\"" + "z".repeat(3 * (int) SEGMENT) + "\"}").getBytes(StandardCharsets.UTF_8);
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      log.prepareSpare();
      log.append(List.of(record(1), new OutboxRecord("t", "large", large), record(2)));
      assertThat(readAll(log, 0)).extracting(p -> p.record().key()).containsExactly("rts_1", "large", "rts_2");
    }
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      assertThat(readAll(log, 0)).extracting(p -> p.record().key()).containsExactly("rts_1", "large", "rts_2");
    }
  }

  private static byte[] bytesFrom(Path file, long from) throws IOException {
    byte[] all = Files.readAllBytes(file);
    return java.util.Arrays.copyOfRange(all, (int) from, all.length);
  }

  @Test
  void aCorruptRecordEndsTheLogThere() throws IOException {
    long first;
    try (OutboxLog log = OutboxLog.open(dir, 1 << 20)) {
      first = log.append(List.of(record(1)));
      log.append(List.of(record(2), record(3)));
    }
    try (FileChannel ch = FileChannel.open(segments().get(0), StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {'?'}), first + 20);
    }
    try (OutboxLog log = OutboxLog.open(dir, 1 << 20)) {
      assertThat(log.end()).isEqualTo(first);
      assertThat(readAll(log, 0)).extracting(p -> p.record().key()).containsExactly("rts_1");
    }
  }

  @Test
  void aForgedCheckpointIsIgnoredAndEverythingIsDeliveredAgain() throws IOException {
    try (OutboxLog log = OutboxLog.open(dir, 1 << 20)) {
      log.append(List.of(record(1), record(2)));
      log.markDelivered(log.end());
    }
    Files.write(dir.resolve("delivered"), new byte[16]);
    try (OutboxLog log = OutboxLog.open(dir, 1 << 20)) {
      assertThat(log.delivered()).isZero();
      assertThat(readAll(log, 0)).hasSize(2);
    }
  }

  @Test
  void oneDirectoryServesOneInstance() throws IOException {
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      assertThatThrownBy(() -> OutboxLog.open(dir, SEGMENT)).isInstanceOf(IOException.class)
          .hasMessageContaining("in use").hasMessageContaining("TOKEN_OUTBOX_DIR");
    }
    OutboxLog.open(dir, SEGMENT).close();
  }

  @Test
  void aRecordKeepsANullKeyApartFromAnEmptyOne() throws IOException {
    try (OutboxLog log = OutboxLog.open(dir, SEGMENT)) {
      log.append(List.of(new OutboxRecord("t", null, new byte[] {1}), new OutboxRecord("t", "", new byte[] {2})));
      assertThat(readAll(log, 0)).extracting(p -> p.record().key()).containsExactly(null, "");
    }
  }

  private List<Path> spares() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".spare")).toList();
    }
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".outbox")).sorted().toList();
    }
  }
}
