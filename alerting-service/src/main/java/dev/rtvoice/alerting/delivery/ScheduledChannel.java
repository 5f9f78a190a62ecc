package dev.rtvoice.alerting.delivery;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The timer work shared by the channels: one Vert.x timer per receiver, set for the earliest moment
 * something is due, and the futures of the calls in flight (for a graceful stop). Runs on the
 * delivery verticle's event loop.
 */
abstract class ScheduledChannel implements Channel {
  protected final Vertx vertx;
  protected final Clock clock;
  protected final ReceiverClient client;
  private final Set<Future<?>> inFlight = new HashSet<>();
  private long timerId = -1;
  private long timerAt = Long.MAX_VALUE;
  private boolean stopping;

  ScheduledChannel(Vertx vertx, Clock clock, ReceiverClient client) {
    this.vertx = vertx;
    this.clock = clock;
    this.client = client;
  }

  @Override
  public String receiver() {
    return client.name();
  }

  /** The earliest moment something is due, or {@link Long#MAX_VALUE}. */
  protected abstract long nextDueAt();

  /** Starts every send that is due at {@code now}. */
  protected abstract void sendDue(long now);

  protected final void track(Future<?> call) {
    inFlight.add(call);
    call.onComplete(ar -> {
      inFlight.remove(call);
      schedule();
    });
  }

  protected final void schedule() {
    long next = nextDueAt();
    if (next == Long.MAX_VALUE) {
      return;
    }
    if (timerId >= 0 && timerAt <= next) {
      return;
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    long now = clock.millis();
    // compared, not subtracted: "due since forever" is Long.MIN_VALUE, and MIN_VALUE - now overflows
    if (next <= now) {
      timerId = -1;
      timerAt = Long.MAX_VALUE;
      sendDue(clock.millis());
      // sends in flight reschedule when they complete; groups settled without a send may be due later
      long after = nextDueAt();
      if (after != Long.MAX_VALUE && after > clock.millis()) {
        schedule();
      }
      return;
    }
    timerAt = next;
    timerId = vertx.setTimer(next - now, t -> {
      timerId = -1;
      timerAt = Long.MAX_VALUE;
      if (!stopping) {
        schedule();
      }
    });
  }

  protected void beforeDrain(long now) {}

  @Override
  public Future<Void> drain() {
    beforeDrain(clock.millis());
    sendDue(clock.millis());
    stopping = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
    Promise<Void> drained = Promise.promise();
    Future.join(List.copyOf(inFlight)).onComplete(ar -> drained.tryComplete());
    return drained.future();
  }

  @Override
  public Future<Void> close() {
    stopping = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    return client.close();
  }
}
