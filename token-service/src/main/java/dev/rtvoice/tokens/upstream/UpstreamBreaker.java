package dev.rtvoice.tokens.upstream;

import dev.rtvoice.tokens.config.UpstreamSettings;
import dev.rtvoice.tokens.domain.UpstreamFailure;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vertx-circuit-breaker around every upstream attempt, shared by all event loops of the service.
 * Only failures that say upstream is unhealthy (5xx, 429, timeouts, unreachable) count toward
 * opening it; a 401/403 means our key is wrong, which no amount of waiting fixes, and it must reach
 * the caller as {@code upstream_auth_rejected}, not as {@code circuit_open}. While open, calls fail
 * at once with {@code CIRCUIT_OPEN} and the time until the breaker lets a probe call through.
 */
public final class UpstreamBreaker {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamBreaker.class);

  private final CircuitBreaker breaker;
  private final long resetMs;
  private volatile long openedAtNanos;
  private volatile Runnable onOpen = () -> {};

  public UpstreamBreaker(Vertx vertx, UpstreamSettings settings) {
    this.resetMs = settings.breakerReset().toMillis();
    CircuitBreakerOptions options = new CircuitBreakerOptions()
        .setMaxFailures(settings.breakerFailures())
        .setFailuresRollingWindow(settings.breakerWindow().toMillis())
        .setResetTimeout(resetMs)
        // attempts carry their own deadline (UpstreamClient), retries are ours (SecretMinter)
        .setTimeout(-1)
        .setMaxRetries(0)
        // no event-bus notifications or per-call metrics bookkeeping: we export the state ourselves
        .setNotificationAddress(null);
    this.breaker = CircuitBreaker.create("upstream", vertx, options);
    breaker.failurePolicy(f -> f.failed() && !(f.cause() instanceof UpstreamCallException u
        && !u.failure().countsAgainstUpstream()));
    breaker.openHandler(v -> {
      openedAtNanos = System.nanoTime();
      LOG.warn("upstream circuit OPEN: calls fail fast for {} ms", resetMs);
      onOpen.run();
    });
    breaker.halfOpenHandler(v -> LOG.info("upstream circuit HALF-OPEN: letting one probe call through"));
    breaker.closeHandler(v -> LOG.info("upstream circuit CLOSED"));
  }

  /** Runs each time the circuit opens (the upstream client renews its connections then). */
  public void onOpen(Runnable action) {
    this.onOpen = action;
  }

  public <T> Future<T> call(Supplier<Future<T>> attempt) {
    return breaker.<T>execute(attempt).recover(e -> {
      if (e instanceof OpenCircuitException) {
        return Future.failedFuture(new UpstreamCallException(
            new UpstreamFailure(UpstreamFailure.Kind.CIRCUIT_OPEN, 0, retryAfterMs()), "upstream circuit is open"));
      }
      return Future.failedFuture(e);
    });
  }

  /** How long until the breaker lets a probe through (at least 1 s once it is half-open and busy). */
  public long retryAfterMs() {
    if (breaker.state() == CircuitBreakerState.HALF_OPEN) {
      return 1_000;
    }
    long elapsedMs = (System.nanoTime() - openedAtNanos) / 1_000_000;
    return Math.max(1_000, resetMs - elapsedMs);
  }

  public CircuitBreakerState state() {
    return breaker.state();
  }

  /** 0 closed, 1 half-open, 2 open: the {@code upstream_circuit_state} gauge. */
  public int stateCode() {
    return switch (breaker.state()) {
      case CLOSED -> 0;
      case HALF_OPEN -> 1;
      case OPEN -> 2;
    };
  }

  public void close() {
    breaker.close();
  }
}
