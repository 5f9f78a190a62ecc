package dev.rtvoice.sessions.metrics;

import dev.rtvoice.common.event.payload.SessionEndedPayload;
import dev.rtvoice.common.event.payload.SessionEventPayload;
import dev.rtvoice.common.event.payload.SessionInterruptRecoveredPayload;
import dev.rtvoice.common.event.payload.SessionInterruptRecoveryFailedPayload;
import dev.rtvoice.common.event.payload.SessionPhaseChangedPayload;
import dev.rtvoice.common.event.payload.SessionReconnectPayload;
import dev.rtvoice.common.event.payload.SessionStaleEventIgnoredPayload;
import dev.rtvoice.sessions.domain.Decision;
import dev.rtvoice.sessions.domain.Phase;
import dev.rtvoice.sessions.domain.RecoveryPlan;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * The service's Prometheus metrics. Counters move only once a change is durable (after the batch that
 * made it was acknowledged), so a batch retried after a failure is not counted twice. Label values are
 * bounded: reasons outside the known set are {@code other}.
 */
public final class SessionMetrics {
  private static final Set<String> END_REASONS = Set.of("client_ended", "idle_timeout");
  private static final Set<String> FAIL_REASONS =
      Set.of("ack_timeout", "cancel_not_sent", "recovery_requested", "session_ended");

  private final MeterRegistry registry;
  private final Map<Phase, AtomicInteger> owned = new EnumMap<>(Phase.class);
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicReferenceArray<Counter> outcomes =
      new java.util.concurrent.atomic.AtomicReferenceArray<>(Decision.Outcome.values().length);
  private final Timer batchTimer;
  private final Timer interruptRecovery;

  public SessionMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (Phase p : Phase.values()) {
      AtomicInteger n = new AtomicInteger();
      owned.put(p, n);
      Gauge.builder("session_owned_sessions", n, AtomicInteger::get).tag("phase", p.name())
          .description("Sessions this instance owns, by phase").register(registry);
    }
    batchTimer = Timer.builder("session_apply_batch_seconds")
        .description("Applying a batch of commands until its snapshot and events were acknowledged")
        .publishPercentiles(0.5, 0.99).register(registry);
    interruptRecovery = Timer.builder("session_interrupt_recovery_seconds")
        .description("Interrupt to upstream acknowledgement, event time")
        .publishPercentiles(0.5, 0.9, 0.99).register(registry);
  }

  /** A session this instance owns entered or left a phase (null: it arrived or left). */
  public void ownedPhase(Phase from, Phase to) {
    if (from == to) {
      return;
    }
    if (from != null) {
      owned.get(from).decrementAndGet();
    }
    if (to != null) {
      owned.get(to).incrementAndGet();
    }
  }

  public void clearOwned() {
    owned.values().forEach(n -> n.set(0));
  }

  public void ingress(String endpoint, int count) {
    counter("session_ingress_commands_total", "endpoint", endpoint).increment(count);
  }

  public void rejected(String endpoint, String code) {
    counter("session_ingress_rejected_total", "endpoint", endpoint, "code", code).increment();
  }

  /** Once per applied input: its counter is looked up by ordinal, not by building its name and tags. */
  public void outcome(Decision.Outcome outcome) {
    Counter c = outcomes.get(outcome.ordinal());
    if (c == null) {
      c = counter("session_commands_total", "outcome", outcome.name().toLowerCase(java.util.Locale.ROOT));
      outcomes.set(outcome.ordinal(), c);
    }
    c.increment();
  }

  public void replaySkipped() {
    counter("session_commands_replay_skipped_total").increment();
  }

  public void undecodable() {
    counter("session_commands_invalid_total").increment();
  }

  /** A command record the owner gave up on, into the dead letters ({@code reason}: undecodable, rejected, too_large). */
  public void deadLettered(String reason) {
    counter("session_commands_dead_lettered_total", "reason", reason).increment();
  }

  /**
   * A change that is not a command ({@code unit}: owner_input, dead_letter) that Kafka would never
   * take; it is left out instead of retried forever.
   */
  public void unwritable(String unit, String reason) {
    counter("session_owner_unwritable_total", "unit", unit, "reason", reason).increment();
  }

  /**
   * The owner's progress, read when scraped: how long its batch in hand has been waiting to become
   * durable (0 when it has none), and whether that is a stall ({@code OWNER_STALL_TIMEOUT}).
   */
  public <T> void ownerProgress(T owner, ToDoubleFunction<T> unfinishedSeconds, ToDoubleFunction<T> stalled) {
    Gauge.builder("session_owner_unfinished_batch_seconds", owner, unfinishedSeconds)
        .description("How long the owner's batch of commands in hand has not been durable (0: none in hand)")
        .register(registry);
    Gauge.builder("session_owner_stalled", owner, stalled)
        .description("1 while the owner has had a batch in hand longer than OWNER_STALL_TIMEOUT")
        .register(registry);
  }

  public void batch(long nanos) {
    batchTimer.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void latencySample(String stage) {
    counter("session_latency_samples_total", "stage", stage).increment();
  }

  /** A response.cancel sent on the interrupt fast path, before the consumer loop reached the command. */
  public void cancelAhead() {
    counter("session_sideband_cancels_ahead_total").increment();
  }

  public void upstreamForwarded(boolean ok) {
    counter("session_sideband_events_forwarded_total", "result", ok ? "ok" : "failed").increment();
  }

  public void tombstoned() {
    counter("session_tombstones_total").increment();
  }

  /** Counts what a derived event says happened. */
  public void derived(Decision.Emitted e) {
    SessionEventPayload p = e.payload();
    switch (e.type()) {
      case SESSION_PHASE_CHANGED -> {
        SessionPhaseChangedPayload moved = (SessionPhaseChangedPayload) p;
        counter("session_phase_transitions_total", "from", moved.from(), "to", moved.to()).increment();
      }
      case SESSION_INTERRUPTED -> counter("session_interrupts_total").increment();
      case SESSION_INTERRUPT_RECOVERED -> {
        counter("session_interrupt_outcomes_total", "outcome", "recovered", "reason", "").increment();
        interruptRecovery.record(Duration.ofMillis(((SessionInterruptRecoveredPayload) p).durationMs()));
      }
      case SESSION_INTERRUPT_RECOVERY_FAILED -> counter("session_interrupt_outcomes_total", "outcome", "failed",
          "reason", bounded(((SessionInterruptRecoveryFailedPayload) p).reason(), FAIL_REASONS)).increment();
      case SESSION_STALE_EVENT_IGNORED -> counter("session_stale_events_total", "reason",
          ((SessionStaleEventIgnoredPayload) p).reason()).increment();
      case SESSION_RECONNECT -> {
        SessionReconnectPayload reconnect = (SessionReconnectPayload) p;
        counter("session_reconnects_total", "class", reconnect.recoveryClass(), "reason",
            RecoveryPlan.labelOf(reconnect.reason())).increment();
      }
      case SESSION_ICE_RESTART -> counter("session_ice_restarts_total").increment();
      case SESSION_ICE_FAILED -> counter("session_ice_failures_total").increment();
      case SESSION_STARTED -> counter("session_started_total").increment();
      case SESSION_ENDED -> counter("session_ended_total", "reason",
          bounded(((SessionEndedPayload) p).reason(), END_REASONS)).increment();
      default -> { }
    }
  }

  private static String bounded(String value, Set<String> known) {
    return value != null && known.contains(value) ? value : "other";
  }

  private Counter counter(String name, String... tags) {
    String key = tags.length == 0 ? name : name + String.join("|", tags);
    return counters.computeIfAbsent(key, k -> Counter.builder(name).tags(tags).register(registry));
  }
}
