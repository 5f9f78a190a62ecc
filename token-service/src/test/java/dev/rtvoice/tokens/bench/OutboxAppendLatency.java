package dev.rtvoice.tokens.bench;

import dev.rtvoice.tokens.outbox.OutboxLog;
import dev.rtvoice.tokens.outbox.OutboxRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * How long one outbox append takes on the answering thread, at the issuance benchmark's rate (500/s,
 * a 550-byte event), with a syncer thread preparing spares and forcing the mapping to disk as the
 * service's does. Run with and without the syncer, it tells whether the file system (a write fault
 * after each force, a journal commit) reaches the answer's path: what is left of token-service's p99
 * over the reference is either here or elsewhere.
 *
 * <pre>
 * java -cp "token-service/target/classes:token-service/target/test-classes:$(cat cp.txt)" \
 *   dev.rtvoice.tokens.bench.OutboxAppendLatency 100 20 token-service/target
 * </pre>
 * Arguments: the syncer's interval in ms (0: no force at all, only spares), seconds, and the directory
 * under which the outbox is made (the disk the service's would be on).
 */
public final class OutboxAppendLatency {
  private static final int RATE = 500;

  private OutboxAppendLatency() {}

  public static void main(String[] args) throws Exception {
    long syncMs = Long.parseLong(args[0]);
    int seconds = Integer.parseInt(args[1]);
    Path dir = Files.createTempDirectory(Path.of(args.length > 2 ? args[2] : System.getProperty("java.io.tmpdir")),
        "outbox-latency");
    List<Long> syncs = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean running = new AtomicBoolean(true);
    try (OutboxLog log = OutboxLog.open(dir, 16L << 20)) {
      Thread syncer = new Thread(() -> {
        while (running.get()) {
          try {
            log.prepareSpare();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          if (syncMs > 0) {
            long t0 = System.nanoTime();
            log.sync();
            syncs.add(System.nanoTime() - t0);
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.max(10, syncMs)));
        }
      }, "syncer");
      syncer.start();
      byte[] value = new byte[550];
      new SplittableRandom(1).nextBytes(value);
      List<OutboxRecord> records = List.of(new OutboxRecord("bench.realtime.token.events", "rts_bench", value));
      int n = seconds * RATE;
      long[] took = new long[n];
      long start = System.nanoTime();
      long interval = TimeUnit.SECONDS.toNanos(1) / RATE;
      for (int i = 0; i < n; i++) {
        long due = start + i * interval;
        for (long wait; (wait = due - System.nanoTime()) > 0; ) {
          LockSupport.parkNanos(wait);
        }
        long t0 = System.nanoTime();
        log.append(records);
        took[i] = System.nanoTime() - t0;
        if (log.end() - log.delivered() > (8L << 20)) {
          log.markDelivered(log.end());  // as the relay would: the segments behind are deleted
        }
      }
      running.set(false);
      syncer.join();
      long[] measured = Arrays.copyOfRange(took, RATE, n);  // the first second warms up
      Arrays.sort(measured);
      System.out.printf(Locale.ROOT, "force every %s: %d appends at %d/s: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, "
              + "max %.2f ms; over 1 ms: %d, over 5 ms: %d%n", syncMs > 0 ? syncMs + " ms" : "(never)", measured.length,
          RATE, at(measured, 0.50) / 1e3, at(measured, 0.99) / 1e3, at(measured, 0.999) / 1e3,
          measured[measured.length - 1] / 1e6, Arrays.stream(measured).filter(t -> t > 1_000_000).count(),
          Arrays.stream(measured).filter(t -> t > 5_000_000).count());
      if (!syncs.isEmpty()) {
        List<Long> sorted = new ArrayList<>(syncs);
        Collections.sort(sorted);
        System.out.printf(Locale.ROOT, "  %d forces: p50 %.2f ms, max %.2f ms (on the syncer's thread)%n", sorted.size(),
            sorted.get(sorted.size() / 2) / 1e6, sorted.get(sorted.size() - 1) / 1e6);
      }
    }
  }

  private static long at(long[] sorted, double quantile) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(sorted.length * quantile))];
  }
}
