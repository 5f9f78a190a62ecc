package dev.rtvoice.metrics.domain;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The counters metrics-service derives from token and session events, as docs/events.md fixes them. */
public final class CounterCatalog {
  public static final String ROTATE_FAIL = "session_rotate_fail_total";
  public static final String UPSTREAM_AUTH_REJECTED = "upstream_auth_rejected_total";
  /** Late samples dropped by the watermark, by stage; not derived from an event. */
  public static final String SAMPLES_DROPPED = "latency_samples_dropped_total";

  private static final List<CounterDefinition> DEFINITIONS = List.of(
      new CounterDefinition(ROTATE_FAIL, "token.rotation_failed", List.of("reason"),
          List.of("upstream_5xx", "upstream_timeout", "upstream_429", "upstream_auth", "circuit_open"),
          "Client secret rotations that failed, by reason"),
      new CounterDefinition(UPSTREAM_AUTH_REJECTED, "token.upstream_rejected", List.of("status"), List.of("401", "403"),
          "Upstream 401/403 answers to token-service"),
      new CounterDefinition("token_issued_total", "token.issued", List.of(), List.of(),
          "Sessions issued a first client secret"),
      new CounterDefinition("token_rotated_total", "token.rotated", List.of(), List.of(),
          "Client secrets rotated"),
      new CounterDefinition("token_denied_total", "token.denied", List.of("reason"),
          List.of("unauthenticated", "forbidden", "session_expired", "rate_limited"),
          "Token requests refused, by reason"),
      new CounterDefinition("sessions_started_total", "session.started", List.of(), List.of(),
          "Voice sessions started"),
      new CounterDefinition("interrupt_total", "session.interrupted", List.of(), List.of(),
          "Interruptions (barge-in) of a response"),
      new CounterDefinition("interrupt_recovered_total", "session.interrupt_recovered", List.of(), List.of(),
          "Interruptions whose cancel the upstream acknowledged"),
      new CounterDefinition("interrupt_recovery_fail_total", "session.interrupt_recovery_failed", List.of("reason"),
          List.of("ack_timeout", "cancel_not_sent"),
          "Interruptions that did not recover, by reason"),
      new CounterDefinition("ice_restart_total", "session.ice_restart", List.of(), List.of(),
          "ICE restarts"),
      new CounterDefinition("ice_failure_total", "session.ice_failed", List.of(), List.of(),
          "ICE failures reported by clients"),
      new CounterDefinition("reconnect_total", "session.reconnect", List.of("class", "reason"), List.of(),
          "Reconnects by class (transport or session) and reason"),
      new CounterDefinition("stale_event_total", "session.stale_event_ignored", List.of(), List.of(),
          "Upstream events of a cancelled or finished response that were ignored"));

  private static final Map<String, CounterDefinition> BY_EVENT_TYPE =
      DEFINITIONS.stream().collect(Collectors.toUnmodifiableMap(CounterDefinition::eventType, Function.identity()));

  private CounterCatalog() {}

  public static List<CounterDefinition> all() {
    return DEFINITIONS;
  }

  /** The counter an event type moves, if any. */
  public static Optional<CounterDefinition> forEventType(String eventType) {
    return Optional.ofNullable(BY_EVENT_TYPE.get(eventType));
  }

  /**
   * A payload value made fit for a label: label-safe characters kept, others replaced by
   * {@code _}, at most 64 characters (a reconnect reason is whatever the client said).
   */
  public static String labelValue(String raw) {
    if (raw.isEmpty()) {
      return "_";
    }
    StringBuilder out = new StringBuilder(Math.min(raw.length(), SampleValidator.MAX_LABEL_LENGTH));
    for (int i = 0; i < raw.length() && out.length() < SampleValidator.MAX_LABEL_LENGTH; i++) {
      char c = raw.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-' || c == ':';
      out.append(ok ? c : '_');
    }
    return out.toString();
  }
}
