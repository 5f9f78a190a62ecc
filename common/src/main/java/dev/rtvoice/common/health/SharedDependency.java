package dev.rtvoice.common.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;

/**
 * A dependency that every instance of a service shares (the upstream API, the identity provider).
 * It is probed on a timer of its own and reported in {@code /health/ready}'s {@code dependencies} and
 * in {@code dependency_up{dependency}}, but never makes the instance unready: when it fails it fails
 * for every instance at once, and taking them all out of the load balancer would replace the
 * service's own answers (a JSON 503 with {@code Retry-After}, a circuit breaker failing fast) with the
 * balancer's bare error and delay the recovery by its probe period. It may be put among a service's
 * readiness checks: {@link HealthRoutes} reports it apart and does not let it gate.
 */
public final class SharedDependency implements ReadinessCheck {
  private static final String NOT_PROBED = "UNKNOWN: not probed yet";

  private final Vertx vertx;
  private final ReadinessCheck probe;
  private final Counter failures;
  private final long timerId;
  private volatile String status = NOT_PROBED;
  private volatile boolean probing;
  private volatile boolean closed;

  private SharedDependency(Vertx vertx, MeterRegistry registry, ReadinessCheck probe, Duration interval) {
    this.vertx = vertx;
    this.probe = probe;
    this.failures = Counter.builder("dependency_probe_failures_total")
        .description("probes of a shared dependency that failed")
        .tag("dependency", probe.name()).register(registry);
    Gauge.builder("dependency_up", this, d -> d.up() ? 1 : 0)
        .description("1 while the last probe of a shared dependency succeeded (it does not gate readiness)")
        .tag("dependency", probe.name()).register(registry);
    probeNow();
    this.timerId = vertx.setPeriodic(interval.toMillis(), t -> probeNow());
  }

  /** Starts probing {@code probe} now and every {@code interval}; call from the owning verticle. */
  public static SharedDependency monitor(Vertx vertx, MeterRegistry registry, ReadinessCheck probe,
                                         Duration interval) {
    Objects.requireNonNull(probe, "probe");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive");
    }
    return new SharedDependency(vertx, registry, probe, interval);
  }

  private void probeNow() {
    if (probing || closed) {
      return; // a slow probe is not stacked up behind
    }
    probing = true;
    probe.check().onComplete(ar -> {
      probing = false;
      if (ar.succeeded()) {
        status = "UP";
      } else {
        failures.increment();
        status = "DOWN: " + ar.cause().getMessage();
      }
    });
  }

  @Override
  public String name() {
    return probe.name();
  }

  /** The last probe's outcome, at once (probing is the timer's job). */
  @Override
  public Future<Void> check() {
    return up() ? Future.succeededFuture() : Future.failedFuture(status);
  }

  /** {@code UP}, {@code DOWN: <why>} or {@code UNKNOWN: not probed yet}: the last probe's outcome. */
  public String status() {
    return status;
  }

  public boolean up() {
    return "UP".equals(status);
  }

  public void close() {
    closed = true;
    vertx.cancelTimer(timerId);
  }
}
