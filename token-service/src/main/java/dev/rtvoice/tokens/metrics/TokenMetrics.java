package dev.rtvoice.tokens.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Prometheus meters of token-service (names and labels are listed in the README). Meters with
 * a label are created on first use and cached, so the hot path does one map lookup, not a registry
 * search.
 */
public final class TokenMetrics {
  private final MeterRegistry registry;
  private final Map<String, Timer> requestTimers = new ConcurrentHashMap<>();
  private final Map<String, Timer> upstreamTimers = new ConcurrentHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  public TokenMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Exposes the circuit state: 0 closed, 1 half-open, 2 open. */
  public void circuitState(Supplier<Number> state) {
    Gauge.builder("upstream_circuit_state", state)
        .description("Upstream circuit breaker: 0 closed, 1 half-open, 2 open")
        .register(registry);
  }

  /** Total time of an issuance or rotation, from request to response, labelled by the outcome code. */
  public void request(String operation, String code, long nanos) {
    requestTimers.computeIfAbsent(operation, op -> latencyTimer("token_request_duration",
        "Issuance and rotation latency, whole request", op)).record(nanos, TimeUnit.NANOSECONDS);
    count("token_requests_total", "Issuances and rotations by outcome code", "operation", operation, "code", code);
  }

  /** The upstream part of an issuance or rotation: every attempt plus backoff. */
  public void upstream(String operation, long millis) {
    upstreamTimers.computeIfAbsent(operation, op -> latencyTimer("token_upstream_duration",
        "Issuance and rotation latency, upstream part (all attempts and backoff)", op))
        .record(millis, TimeUnit.MILLISECONDS);
  }

  public void upstreamAttempt(String result) {
    count("upstream_attempts_total", "Calls to upstream's client_secrets endpoint by result", "result", result);
  }

  public void rotationFailed(String reason) {
    count("session_rotate_fail_total", "Rotations that finally failed, by reason", "reason", reason);
  }

  public void upstreamAuthRejected(int status) {
    count("upstream_auth_rejected_total", "Upstream 401/403 answers: our API key is wrong or revoked", "status",
        Integer.toString(status));
  }

  public void rateLimited(String scope) {
    count("token_rate_limited_total", "Requests refused by the per-user or per-device rate limit", "scope", scope);
  }

  public void denied(String reason) {
    count("token_denied_total", "Requests denied (unauthenticated, forbidden, session_expired, reused, rate_limited)",
        "reason", reason);
  }

  /** A denied request whose {@code token.denied} event was not written: over the instance's budget of them. */
  public void deniedNotRecorded(String reason) {
    count("token_denied_events_dropped_total",
        "Denied requests whose token.denied event was not written (over TOKEN_DENIED_EVENTS_PER_SECOND)", "reason",
        reason);
  }

  /** A retry of the token of the latest rotation, within the replay grace, got that rotation's answer again. */
  public void rotationReplayed() {
    count("token_rotation_replays_total", "Rotation retries answered with the same answer within the replay grace");
  }

  /** A rotation minted a secret but another rotation from the same token came first in the ledger. */
  public void rotationRaceLost() {
    count("token_rotation_races_lost_total", "Rotations dropped because another rotation from the same token won");
  }

  /** Sessions whose rotations this instance tracks (until their newest rotation token expires). */
  public void trackedFamilies(Supplier<Number> size) {
    Gauge.builder("token_rotation_families", size)
        .description("Rotated sessions tracked by the rotation ledger")
        .register(registry);
  }

  /** Whether Kafka is known down (issuance and rotation refused at once): 1 or 0. */
  public void rateLimitInstances(Supplier<Number> instances) {
    Gauge.builder("token_rate_limit_instances", instances)
        .description("token-service instances the rate limits are shared among (this one enforces 1/n of each)")
        .register(registry);
  }

  public void kafkaKnownDown(Supplier<Number> down) {
    Gauge.builder("token_kafka_known_down", down)
        .description("1 while Kafka is known down and issuance and rotation are refused at once")
        .register(registry);
  }

  /** A user JWT carried the tenant claim, but not a valid tenant id: served without a tenant. */
  public void tenantClaimIgnored() {
    count("token_tenant_claim_ignored_total", "User tokens whose tenant claim was not a valid tenant id (ignored)");
  }

  /** The outbox's figures: undelivered bytes, events delivered, failed relay rounds, appends refused as full. */
  public void outbox(Supplier<Number> pendingBytes, Supplier<Number> delivered, Supplier<Number> relayFailures,
                     Supplier<Number> refusedFull) {
    Gauge.builder("token_outbox_pending_bytes", pendingBytes)
        .description("Bytes of token events in this instance's outbox not yet delivered to Kafka")
        .register(registry);
    FunctionCounter.builder("token_outbox_delivered_total", delivered, n -> n.get().doubleValue())
        .description("Token events the outbox relay delivered to Kafka (a redelivery after a crash counts again)")
        .register(registry);
    FunctionCounter.builder("token_outbox_relay_failures_total", relayFailures, n -> n.get().doubleValue())
        .description("Relay rounds to Kafka that failed and were retried")
        .register(registry);
    FunctionCounter.builder("token_outbox_full_total", refusedFull, n -> n.get().doubleValue())
        .description("Issuance or rotation events refused because the outbox held its byte limit (answered 503)")
        .register(registry);
  }

  public void eventPublishFailed(String type) {
    count("token_event_publish_failures_total", "Token events that could not be written to Kafka", "type", type);
  }

  private Timer latencyTimer(String name, String description, String operation) {
    return Timer.builder(name)
        .description(description)
        .tag("operation", operation)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  private void count(String name, String description, String... tags) {
    StringBuilder key = new StringBuilder(name);
    for (String tag : tags) {
      key.append('|').append(tag);
    }
    counters.computeIfAbsent(key.toString(), k -> Counter.builder(name).description(description).tags(tags)
        .register(registry)).increment();
  }
}
