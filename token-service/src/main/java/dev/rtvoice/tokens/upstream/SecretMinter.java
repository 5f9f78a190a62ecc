package dev.rtvoice.tokens.upstream;

import dev.rtvoice.tokens.domain.RetryPlanner;
import dev.rtvoice.tokens.domain.SessionSettings;
import dev.rtvoice.tokens.domain.UpstreamFailure;
import dev.rtvoice.tokens.metrics.TokenMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mints a client secret resiliently: each attempt goes through the circuit breaker with its own
 * timeout; transient failures are retried after a jittered exponential backoff (at least upstream's
 * Retry-After) while the deadline allows; 401/403 and other 4xx are final at once; an open circuit
 * ends the attempt loop at once (fail fast).
 */
public final class SecretMinter {
  private static final Logger LOG = LoggerFactory.getLogger(SecretMinter.class);

  private final Vertx vertx;
  private final UpstreamClient client;
  private final UpstreamBreaker breaker;
  private final RetryPlanner planner;
  private final TokenMetrics metrics;

  public SecretMinter(Vertx vertx, UpstreamClient client, UpstreamBreaker breaker, RetryPlanner planner,
                      TokenMetrics metrics) {
    this.vertx = vertx;
    this.client = client;
    this.breaker = breaker;
    this.planner = planner;
    this.metrics = metrics;
  }

  /**
   * @param budgetMs time allowed for all attempts and backoff, from now
   */
  public Future<MintOutcome> mint(SessionSettings settings, long budgetMs) {
    long start = System.nanoTime();
    long deadlineMs = nowMs() + Math.max(0, budgetMs);
    Promise<MintOutcome> result = Promise.promise();
    attempt(settings, 1, start, deadlineMs, result);
    return result.future();
  }

  private void attempt(SessionSettings settings, int number, long startNanos, long deadlineMs,
                       Promise<MintOutcome> result) {
    long timeoutMs = planner.attemptTimeoutMs(number, nowMs(), deadlineMs);
    breaker.call(() -> client.mint(settings, timeoutMs)).onComplete(ar -> {
      if (ar.succeeded()) {
        metrics.upstreamAttempt("ok");
        result.complete(new MintOutcome(ar.result(), number, elapsedMs(startNanos)));
        return;
      }
      UpstreamFailure failure = ar.cause() instanceof UpstreamCallException u
          ? u.failure() : UpstreamFailure.of(UpstreamFailure.Kind.UNREACHABLE);
      metrics.upstreamAttempt(failure.kind().name().toLowerCase());
      long delay = planner.nextDelayMs(failure, number, nowMs(), deadlineMs);
      if (delay < 0) {
        result.fail(new UpstreamFailedException(failure, number, elapsedMs(startNanos), ar.cause().getMessage()));
        return;
      }
      LOG.debug("upstream attempt {} failed ({}), retrying in {} ms", number, ar.cause().getMessage(), delay);
      if (delay == 0) {
        attempt(settings, number + 1, startNanos, deadlineMs, result);
      } else {
        vertx.setTimer(delay, t -> attempt(settings, number + 1, startNanos, deadlineMs, result));
      }
    });
  }

  private static long elapsedMs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }
}
