package dev.rtvoice.tokens.outbox;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * The durable local outbox of token events: an answer waits until its event is in the outbox file,
 * not until Kafka has it; a relay delivers the file's records to Kafka later, in order, from a
 * checkpoint. An append is a copy into the file's memory mapping made on the caller's event loop
 * ({@link OutboxLog#append(java.nio.ByteBuffer)}): no thread hand-off on the answer's path. Two
 * threads of its own: the syncer (fsync every interval, preallocates the next segment; with
 * {@link Fsync#ALWAYS} it also syncs for the answers that wait for it, one fsync for all of them) and
 * the relay.
 *
 * <p>What "durable" means: an appended record survives a SIGKILL of the process (the kernel holds it);
 * with {@link Fsync#INTERVAL} a crash of the machine loses what was written since the last fsync
 * (at most the interval); with {@link Fsync#ALWAYS} nothing answered is lost, at the cost of an
 * fsync (and a hand-off to the syncer) on the answer's path. Delivery is at least once: after a kill,
 * records delivered but not yet checkpointed are sent again, with the same event id, which consumers
 * dedupe. The outbox is bounded by bytes: past {@code maxBytes} undelivered an append fails with
 * {@link OutboxFullException} (the caller answers 503 with Retry-After).
 */
public final class Outbox {
  private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
  private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long RELAY_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** When the outbox file is flushed to the disk itself. */
  public enum Fsync { INTERVAL, ALWAYS }

  /** Limits and policy. */
  public record Settings(long maxBytes, Fsync fsync, Duration fsyncInterval, int relayBatchRecords) {}

  /** What the relay hands to Kafka: completes when the record is acknowledged or failed. */
  public interface Sink {
    java.util.concurrent.Future<?> send(OutboxRecord record);

    void close(Duration timeout);
  }

  /** An answer waiting for the next fsync ({@link Fsync#ALWAYS}). */
  private record SyncWaiter(Context context, Promise<Void> promise) {}

  private final OutboxLog log;
  private final Settings settings;
  private final Sink sink;
  private final Duration deliveryTimeout;
  private final LinkedBlockingQueue<SyncWaiter> syncWaiters = new LinkedBlockingQueue<>();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong relayFailures = new AtomicLong();
  private final AtomicLong refusedFull = new AtomicLong();
  private final Thread syncer;
  private final Thread relay;
  private volatile boolean accepting = true;
  private volatile boolean running = true;
  private volatile boolean dirty;
  private volatile boolean relayIdle;
  private volatile String broken;
  private long lastFailureLogNanos;

  public Outbox(OutboxLog log, Settings settings, Sink sink, Duration deliveryTimeout) {
    this.log = log;
    this.settings = settings;
    this.sink = sink;
    this.deliveryTimeout = deliveryTimeout;
    this.syncer = new Thread(this::syncLoop, "token-outbox-sync");
    this.relay = new Thread(this::relayLoop, "token-outbox-relay");
    for (Thread t : List.of(syncer, relay)) {
      t.setDaemon(true);
    }
  }

  public void start() {
    if (log.pendingBytes() > 0) {
      LOG.info("outbox: {} bytes of events from before the last stop are delivered first", log.pendingBytes());
    }
    syncer.start();
    relay.start();
  }

  /**
   * Puts the record in the outbox file, on the caller's thread. The future is already complete
   * (succeeded, or failed: full, stopped, I/O), except with {@link Fsync#ALWAYS}, where it completes on
   * the caller's context after the next fsync.
   */
  public Future<Void> append(OutboxRecord record) {
    if (!accepting) {
      return Future.failedFuture(new IllegalStateException("the outbox is stopping"));
    }
    if (broken != null) {
      return Future.failedFuture(new IllegalStateException("the outbox cannot be written: " + broken));
    }
    ByteBuffer encoded;
    try {
      encoded = record.encode();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    // the room check and the append are one step: concurrent callers cannot both take the last room
    synchronized (log) {
      if (encoded.remaining() > settings.maxBytes() - log.pendingBytes()) {
        refusedFull.incrementAndGet();
        return Future.failedFuture(new OutboxFullException(log.pendingBytes(), settings.maxBytes()));
      }
      try {
        log.append(encoded);
      } catch (IOException | RuntimeException | InternalError e) {
        // InternalError: the JDK's report of a fault on a mapped page (no room left on the disk)
        broken = e.toString();
        LOG.error("outbox: appending an event failed, it is answered 503 and the outbox takes no more: {}",
            e.toString());
        return Future.failedFuture(new IllegalStateException("the outbox cannot be written: " + broken));
      }
    }
    dirty = true;
    if (relayIdle) {
      LockSupport.unpark(relay);
    }
    if (settings.fsync() == Fsync.ALWAYS) {
      Promise<Void> promise = Promise.promise();
      syncWaiters.add(new SyncWaiter(Vertx.currentContext(), promise));
      return promise.future();
    }
    return Future.succeededFuture();
  }

  private static void complete(SyncWaiter w, Throwable failure) {
    Runnable done = () -> {
      if (failure == null) {
        w.promise().tryComplete();
      } else {
        w.promise().tryFail(failure);
      }
    };
    if (w.context() == null) {
      done.run();
    } else {
      w.context().runOnContext(v -> done.run());
    }
  }

  private void syncLoop() {
    long intervalNanos = settings.fsyncInterval().toNanos();
    List<SyncWaiter> waiting = new ArrayList<>();
    while (running) {
      prepareSpare();
      if (settings.fsync() == Fsync.ALWAYS) {
        try {
          SyncWaiter first = syncWaiters.poll(intervalNanos, TimeUnit.NANOSECONDS);
          if (first == null) {
            continue;
          }
          waiting.add(first);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        // every record of these waiters was appended before it queued: one fsync covers them all
        syncWaiters.drainTo(waiting);
        Throwable failure = syncIfDirty() ? null : new IOException("fsync of the outbox failed");
        waiting.forEach(w -> complete(w, failure));
        waiting.clear();
      } else {
        LockSupport.parkNanos(intervalNanos);
        syncIfDirty();
      }
    }
  }

  private void prepareSpare() {
    try {
      log.prepareSpare();
    } catch (IOException | RuntimeException | InternalError e) {
      // not fatal: the roll then makes the next segment itself
      failed("preallocating the next outbox segment failed", e);
    }
  }

  /** Syncs if anything was appended since the last sync; false if the sync failed. */
  private boolean syncIfDirty() {
    if (!dirty) {
      return true;
    }
    dirty = false;
    try {
      log.sync();
      return true;
    } catch (RuntimeException | InternalError e) {
      dirty = true;
      LOG.warn("outbox: fsync failed ({}); written events still survive a process kill", e.toString());
      return false;
    }
  }

  private void relayLoop() {
    int streak = 0;
    while (running) {
      long from = log.delivered();
      if (from >= log.end()) {
        relayIdle = true;
        if (from >= log.end()) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        relayIdle = false;
        continue;
      }
      if (deliverFrom(from)) {
        streak = 0;
        // gathers what arrives meanwhile into the next batch: a wake-up per batch, not per event, leaves
        // the cores to the answers (at 500 events/s, batches of a few events)
        LockSupport.parkNanos(RELAY_LINGER_NANOS);
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
    while (!syncWaiters.isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    while (log.pendingBytes() > 0 && broken == null && System.nanoTime() < deadline) {
      LockSupport.unpark(relay);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    running = false;
    // a relay still waiting on Kafka gives up now: its batch stays in the file, unacknowledged
    relay.interrupt();
    syncer.interrupt();
    for (Thread t : List.of(syncer, relay)) {
      LockSupport.unpark(t);
      try {
        t.join(deliveryTimeout.toMillis() + 6_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // answers waiting for an fsync cannot be left hanging; log.close() syncs, but they were not told so
    for (SyncWaiter w; (w = syncWaiters.poll()) != null; ) {
      complete(w, new IllegalStateException("the outbox stopped"));
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
