package dev.rtvoice.tokens.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Appends come from several threads at once (a token-service runs one verticle per event loop) and
 * are made on the caller's thread: every record answered is delivered once, each thread's in the
 * order it appended them, across segment rolls, with the fsync per interval or before the answer.
 */
class OutboxAppendTest {
  @TempDir
  Path dir;

  /** The relay's destination, in memory: what the outbox hands over is the subject here. */
  private static final class Collected implements Outbox.Sink {
    final List<OutboxRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public java.util.concurrent.Future<?> send(OutboxRecord record) {
      records.add(record);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close(Duration timeout) {
    }
  }

  @ParameterizedTest
  @EnumSource(Outbox.Fsync.class)
  void concurrentAppendsAreEachDeliveredOnceInTheirOrder(Outbox.Fsync fsync) throws Exception {
    int threads = 4;
    int perThread = 1_500;
    Collected sink = new Collected();
    // small segments: many rolls while four threads append
    Outbox outbox = new Outbox(OutboxLog.open(dir, 64 * 1024),
        new Outbox.Settings(1L << 30, fsync, Duration.ofMillis(5), 100), sink, Duration.ofSeconds(5));
    outbox.start();
    List<Thread> writers = new ArrayList<>();
    List<Future<Void>> answers = new CopyOnWriteArrayList<>();
    for (int t = 0; t < threads; t++) {
      int writer = t;
      writers.add(new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          answers.add(outbox.append(new OutboxRecord("t", "w" + writer,
              ("{\"n\":" + i + ",\"pad\":\"" + "p".repeat(300) + "\"}").getBytes(StandardCharsets.UTF_8))));
        }
      }));
    }
    writers.forEach(Thread::start);
    for (Thread w : writers) {
      w.join();
    }
    for (Future<Void> answer : answers) {
      answer.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (sink.records.size() < threads * perThread && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    outbox.close(Duration.ofSeconds(5));

    assertThat(sink.records).hasSize(threads * perThread);
    Map<String, Integer> next = new HashMap<>();
    for (OutboxRecord r : sink.records) {
      String body = new String(r.value(), StandardCharsets.UTF_8);
      int n = Integer.parseInt(body.substring(5, body.indexOf(',')));
      assertThat(n).as("the next record of %s", r.key()).isEqualTo(next.getOrDefault(r.key(), 0));
      next.put(r.key(), n + 1);
    }
    assertThat(outbox.pendingBytes()).isZero();
  }
}
