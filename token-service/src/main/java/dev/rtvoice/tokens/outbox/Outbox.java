package dev.rtvoice.tokens.outbox;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable local outbox of token events: an answer waits until its event is in the outbox file
 * (group commit: one write for whatever arrived meanwhile), not until Kafka has it; a relay delivers
 * the file's records to Kafka later, in order, from a checkpoint. Three threads of its own, so no
 * event loop waits on the disk: the writer (appends), the syncer (fsync every interval, or the writer
 * syncs before answering with {@link Fsync#ALWAYS}) and the relay.
 *
 * <p>What "durable" means: a written record survives a SIGKILL of the process (the kernel holds it);
 * with {@link Fsync#INTERVAL} a crash of the machine loses what was written since the last fsync
 * (at most the interval); with {@link Fsync#ALWAYS} nothing answered is lost, at the cost of an
 * fsync per group commit on the answer's path. Delivery is at least once: after a kill, records
 * delivered but not yet checkpointed are sent again, with the same event id, which consumers dedupe.
 * The outbox is bounded by bytes: past {@code maxBytes} undelivered an append fails with
 * {@link OutboxFullException} (the caller answers 503 with Retry-After).
 */
public final class Outbox {
  private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
  private static final int MAX_GROUP = 1_024;
  private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** When the outbox file is flushed to the disk itself. */
  public enum Fsync { INTERVAL, ALWAYS }

  /** Limits and policy. */
  public record Settings(long maxBytes, Fsync fsync, Duration fsyncInterval, int relayBatchRecords) {}

  /** What the relay hands to Kafka: completes when the record is acknowledged or failed. */
  public interface Sink {
    java.util.concurrent.Future<?> send(OutboxRecord record);

    void close(Duration timeout);
  }

  private record Pending(OutboxRecord record, Context context, Promise<Void> promise) {}

  private final OutboxLog log;
  private final Settings settings;
  private final Sink sink;
  private final Duration deliveryTimeout;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong relayFailures = new AtomicLong();
  private final AtomicLong refusedFull = new AtomicLong();
  private final Thread writer;
  private final Thread syncer;
  private final Thread relay;
  private volatile boolean accepting = true;
  private volatile boolean running = true;
  private volatile boolean dirty;
  private volatile String broken;
  private long lastFailureLogNanos;

  public Outbox(OutboxLog log, Settings settings, Sink sink, Duration deliveryTimeout) {
    this.log = log;
    this.settings = settings;
    this.sink = sink;
    this.deliveryTimeout = deliveryTimeout;
    this.writer = new Thread(this::writeLoop, "token-outbox-writer");
    this.syncer = new Thread(this::syncLoop, "token-outbox-sync");
    this.relay = new Thread(this::relayLoop, "token-outbox-relay");
    for (Thread t : List.of(writer, syncer, relay)) {
      t.setDaemon(true);
    }
  }

  public void start() {
    if (log.pendingBytes() > 0) {
      LOG.info("outbox: {} bytes of events from before the last stop are delivered first", log.pendingBytes());
    }
    writer.start();
    syncer.start();
    relay.start();
  }

  /** Completes (on the caller's context) once the record is in the outbox file, or fails (full, stopped, I/O). */
  public Future<Void> append(OutboxRecord record) {
    Context context = Vertx.currentContext();
    Promise<Void> promise = Promise.promise();
    if (!accepting) {
      return Future.failedFuture(new IllegalStateException("the outbox is stopping"));
    }
    if (broken != null) {
      return Future.failedFuture(new IllegalStateException("the outbox cannot be written: " + broken));
    }
    queue.add(new Pending(record, context, promise));
    return promise.future();
  }

  private void writeLoop() {
    List<Pending> group = new ArrayList<>();
    List<OutboxRecord> records = new ArrayList<>();
    List<Pending> accepted = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        queue.drainTo(group, MAX_GROUP - 1);
        long room = settings.maxBytes() - log.pendingBytes();
        for (Pending p : group) {
          int size = p.record().sizeOnDisk();
          if (size > room) {
            refusedFull.incrementAndGet();
            complete(p, new OutboxFullException(log.pendingBytes(), settings.maxBytes()));
          } else {
            room -= size;
            records.add(p.record());
            accepted.add(p);
          }
        }
        Throwable failure = null;
        try {
          log.append(records);
          if (settings.fsync() == Fsync.ALWAYS) {
            log.sync();
          } else {
            dirty = true;
          }
        } catch (IOException | RuntimeException e) {
          failure = e;
          broken = e.toString();
          LOG.error("outbox: appending {} event(s) failed, they are answered 503 and the outbox takes no more: {}",
              records.size(), e.toString());
        }
        for (Pending p : accepted) {
          complete(p, failure);
        }
        LockSupport.unpark(relay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        group.clear();
        records.clear();
        accepted.clear();
      }
    }
  }

  private static void complete(Pending p, Throwable failure) {
    Runnable done = () -> {
      if (failure == null) {
        p.promise().tryComplete();
      } else {
        p.promise().tryFail(failure);
      }
    };
    if (p.context() == null) {
      done.run();
    } else {
      p.context().runOnContext(v -> done.run());
    }
  }

  private void syncLoop() {
    long intervalNanos = settings.fsyncInterval().toNanos();
    while (running) {
      LockSupport.parkNanos(intervalNanos);
      syncIfDirty();
    }
  }

  private void syncIfDirty() {
    if (!dirty) {
      return;
    }
    dirty = false;
    try {
      log.sync();
    } catch (IOException | RuntimeException e) {
      dirty = true;
      LOG.warn("outbox: fsync failed ({}); written events still survive a process kill", e.toString());
    }
  }

  private void relayLoop() {
    int streak = 0;
    while (running) {
      long from = log.delivered();
      if (from >= log.end()) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        continue;
      }
      if (deliverFrom(from)) {
        streak = 0;
      } else {
        streak++;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(5_000, 250L << Math.min(streak, 5))));
      }
    }
  }

  /** Sends one batch from {@code from} on and moves the checkpoint past it if all of it was acknowledged. */
  private boolean deliverFrom(long from) {
    List<OutboxLog.Positioned> batch;
    try {
      batch = log.read(from, settings.relayBatchRecords(), 1 << 20);
    } catch (IOException | RuntimeException e) {
      failed("reading the outbox failed", e);
      return false;
    }
    if (batch.isEmpty()) {
      return true;
    }
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>(batch.size());
    try {
      for (OutboxLog.Positioned p : batch) {
        sent.add(sink.send(p.record()));
      }
      long deadline = System.nanoTime() + deliveryTimeout.toNanos() + TimeUnit.SECONDS.toNanos(5);
      for (java.util.concurrent.Future<?> f : sent) {
        f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      log.markDelivered(batch.get(batch.size() - 1).next());
      delivered.addAndGet(batch.size());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      // what was acknowledged of this batch is sent again with it: the same event ids, which consumers dedupe
      relayFailures.incrementAndGet();
      failed("delivering " + batch.size() + " outbox event(s) to Kafka failed, retrying", e);
      return false;
    }
  }

  private void failed(String what, Throwable e) {
    long now = System.nanoTime();
    if (now - lastFailureLogNanos >= FAILURE_LOG_INTERVAL_NANOS || lastFailureLogNanos == 0) {
      lastFailureLogNanos = now;
      LOG.warn("outbox: {} ({}); {} bytes wait in the outbox", what, e.toString(), log.pendingBytes());
    }
  }

  /** Null while the outbox can be written; otherwise why not. */
  public String broken() {
    return broken;
  }

  public long pendingBytes() {
    return log.pendingBytes();
  }

  public long deliveredRecords() {
    return delivered.get();
  }

  public long relayFailures() {
    return relayFailures.get();
  }

  public long refusedFull() {
    return refusedFull.get();
  }

  /**
   * Stops taking events, writes and syncs what was accepted, then gives the relay up to
   * {@code drainTimeout} to deliver what is pending; what is left stays in the file for the next start.
   */
  public void close(Duration drainTimeout) {
    accepting = false;
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    while (!queue.isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    while (log.pendingBytes() > 0 && broken == null && System.nanoTime() < deadline) {
      LockSupport.unpark(relay);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    running = false;
    // a relay still waiting on Kafka gives up now: its batch stays in the file, unacknowledged
    relay.interrupt();
    for (Thread t : List.of(writer, syncer, relay)) {
      LockSupport.unpark(t);
      try {
        t.join(deliveryTimeout.toMillis() + 6_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // pending appends cannot be left hanging
    for (Pending p; (p = queue.poll()) != null; ) {
      complete(p, new IllegalStateException("the outbox stopped"));
    }
    sink.close(Duration.ofSeconds(2));
    try {
      log.close();
    } catch (IOException e) {
      LOG.warn("outbox: closing the file failed: {}", e.toString());
    }
    if (log.pendingBytes() > 0) {
      LOG.warn("outbox: {} bytes of events not yet delivered stay in the outbox for the next start",
          log.pendingBytes());
    }
  }
}
