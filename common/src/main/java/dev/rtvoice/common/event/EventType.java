package dev.rtvoice.common.event;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every event type the suite puts on Kafka, with its wire name and the schema versions this build
 * can read. The codec rejects any other type or version: a consumer that silently guessed at an
 * unknown shape would corrupt state instead of failing loudly.
 */
public enum EventType {
  // realtime.token.events
  TOKEN_ISSUED("token.issued", true),
  TOKEN_ROTATED("token.rotated", true),
  /** A session's rotation token renewed without a client secret (server-side call creation): nothing minted. */
  TOKEN_REFRESHED("token.refreshed", true),
  TOKEN_ROTATION_FAILED("token.rotation_failed", true),
  TOKEN_UPSTREAM_REJECTED("token.upstream_rejected", true),
  TOKEN_DENIED("token.denied", false),
  /** token-service created an upstream call for a browser's offer (server-side call creation). */
  TOKEN_CALL_CREATED("token.call_created", true),

  // realtime.session.commands: what clients (and the sideband) report, queued for the owning instance
  SESSION_CLIENT_EVENT("session.client_event", true),
  /** One request's client events in one record, so they become durable together. */
  SESSION_CLIENT_EVENTS("session.client_events", true),
  SESSION_UPSTREAM_EVENT("session.upstream_event", true),
  SESSION_INTERRUPT_REQUESTED("session.interrupt_requested", true),
  SESSION_RECOVERY_REQUESTED("session.recovery_requested", true),
  /**
   * The owner's wall clock says a quiet session's event time reached {@code occurred_at}: its deadlines
   * due by then fire, in the log's order like every other input (so replaying the log gives the same state).
   */
  SESSION_CLOCK_TICK("session.clock_tick", true),
  /**
   * token-service created an upstream call for the session (its {@code token.call_created}, forwarded by
   * session-service): the session learns of the call even if the client never reports it.
   */
  SESSION_CALL_CREATED("session.call_created", true),
  /**
   * The owner found the session's user (or tenant) over a concurrency budget: written to the log and
   * applied in its order like every other input, so a replay of the log ends the session the same way.
   */
  SESSION_OVER_BUDGET("session.over_budget", true),
  /** The owner could not send an interrupt's {@code response.cancel} on the sideband (applied from the log). */
  SESSION_SIDEBAND_CANCEL_FAILED("session.sideband_cancel_failed", true),

  // realtime.session.events
  SESSION_PHASE_CHANGED("session.phase_changed", true),
  SESSION_INTERRUPTED("session.interrupted", true),
  SESSION_INTERRUPT_RECOVERED("session.interrupt_recovered", true),
  SESSION_INTERRUPT_RECOVERY_FAILED("session.interrupt_recovery_failed", true),
  SESSION_RECONNECT("session.reconnect", true),
  SESSION_ICE_RESTART("session.ice_restart", true),
  SESSION_ICE_FAILED("session.ice_failed", true),
  SESSION_STALE_EVENT_IGNORED("session.stale_event_ignored", true),
  /** Speech over the assistant that the false-interruption policy did not let cancel it. */
  SESSION_FALSE_INTERRUPTION("session.false_interruption", true),
  /** An upstream hand-over past the call's age cap: planned, completed or failed. */
  SESSION_ROLLOVER("session.rollover", true),
  /** A user's or tenant's budget (call duration, concurrent calls) was exceeded: the call is hung up. */
  SESSION_BUDGET_EXCEEDED("session.budget_exceeded", true),
  /** The suite hung up an upstream call (abandoned, over budget, the old call of a hand-over). */
  SESSION_CALL_HUNG_UP("session.call_hung_up", true),
  SESSION_STARTED("session.started", true),
  SESSION_ENDED("session.ended", true),

  // realtime.session.state (compacted)
  SESSION_STATE("session.state", true),

  // realtime.latency.samples
  LATENCY_SAMPLE("latency.sample", true),
  /** A client's telemetry batch (or a chunk of it), with the idempotency key its retries reuse. */
  LATENCY_BATCH("latency.batch", true),

  // realtime.metrics.windows (key = metric name)
  METRICS_WINDOW("metrics.window", false),

  // realtime.alerts (key = alert fingerprint)
  ALERT_FIRING("alert.firing", false),
  ALERT_RESOLVED("alert.resolved", false),

  // realtime.alerts.notifications (compacted, one partition; key = receiver and notification group)
  /** A webhook receiver took a group's notification: the notification log alerting-service's instances share. */
  ALERT_NOTIFIED("alert.notified", false);

  /** Schema versions this build reads; writers always use {@link #currentVersion()}. */
  private static final Set<Integer> SUPPORTED_VERSIONS = Set.of(1);
  private static final Map<String, EventType> BY_WIRE_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(EventType::wireName, Function.identity()));

  private final String wireName;
  private final boolean sessionScoped;

  EventType(String wireName, boolean sessionScoped) {
    this.wireName = wireName;
    this.sessionScoped = sessionScoped;
  }

  public String wireName() {
    return wireName;
  }

  /** Whether {@code session_id} is required: events about one voice session are keyed by it. */
  public boolean sessionScoped() {
    return sessionScoped;
  }

  public int currentVersion() {
    return 1;
  }

  public boolean supportsVersion(int version) {
    return SUPPORTED_VERSIONS.contains(version);
  }

  public static Optional<EventType> fromWireName(String name) {
    return Optional.ofNullable(BY_WIRE_NAME.get(name));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
