package dev.rtvoice.sessions.bench;

import dev.rtvoice.sessions.it.Harness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Heap per idle session: {@code n} sessions (default 100,000) are started through the API (each
 * posts client.connected, so each is LISTENING, owned by this instance and in its read view), then
 * the heap after full GCs is compared with the heap before. What one instance holds per session is
 * both its owner state (the machine's state, its deadline entry) and its read-view entry (the
 * snapshot without its null, zero and empty fields), so both are in the figure. Run with a heap
 * large enough not to matter:
 *
 * <pre>
 * MAVEN_OPTS=-Xmx2g mvn -o -q -pl session-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.rtvoice.sessions.bench.IdleSessionHeapLoadGenerator -Dexec.args="100000"
 * </pre>
 */
public final class IdleSessionHeapLoadGenerator {
  private static final int IN_FLIGHT = 128;

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    try (BenchSupport bench = new BenchSupport(Map.of())) {
      // a few sessions first, so that every class and buffer on the path exists before the baseline
      start(bench, "warm-", 2_000);
      awaitOwned(bench, 2_000);
      long before = usedHeapAfterGc();
      long t0 = System.nanoTime();
      start(bench, "idle-", n);
      awaitOwned(bench, 2_000 + n);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long after = usedHeapAfterGc();
      double perSession = (after - before) / (double) n;
      System.out.printf("%,d sessions started and applied in %.1f s; heap after GC: %,d -> %,d bytes%n", n, seconds,
          before, after);
      System.out.printf("RESULT heap per idle session: %.0f bytes (%.2f KiB), owner state and read-view entry "
          + "together%n", perSession, perSession / 1024);
    }
    System.exit(0);
  }

  private static void start(BenchSupport bench, String prefix, int n) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(IN_FLIGHT);
    long now = System.currentTimeMillis();
    for (int i = 0; i < IN_FLIGHT; i++) {
      bench.clientVertx.runOnContext(v -> startNext(bench, prefix, n, next, done, now));
    }
    if (!done.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("starting sessions did not finish");
    }
  }

  private static void startNext(BenchSupport bench, String prefix, int n, AtomicInteger next, CountDownLatch done,
                                long now) {
    int i = next.getAndIncrement();
    if (i >= n) {
      done.countDown();
      return;
    }
    String sid = prefix + i;
    JsonObject body = new JsonObject().put("platform", "web").put("events", new JsonArray().add(new JsonObject()
        .put("type", "client.connected").put("seq", 1).put("occurred_at_ms", now)));
    bench.post("/v1/sessions/" + sid + "/events", Harness.token(sid, Instant.now().plusSeconds(3600)), body.toBuffer())
        .onComplete(ar -> {
          if (ar.failed() || ar.result().status() != 202) {
            System.err.println(sid + ": " + (ar.failed() ? ar.cause() : ar.result().body()));
            System.exit(1);
          }
          startNext(bench, prefix, n, next, done, now);
        });
  }

  private static void awaitOwned(BenchSupport bench, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (bench.service.ownedSessions() < n || bench.counter("session_state_view_sessions") < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("sessions not applied: owned " + bench.service.ownedSessions());
      }
      Thread.sleep(100);
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(300);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
