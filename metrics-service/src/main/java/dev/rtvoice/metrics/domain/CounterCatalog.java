package dev.rtvoice.metrics.domain;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The counters metrics-service derives from token and session events, as docs/events.md fixes them. */
public final class CounterCatalog {
  public static final String ROTATE_FAIL = "session_rotate_fail_total";
  public static final String UPSTREAM_AUTH_REJECTED = "upstream_auth_rejected_total";
  /** Late samples dropped by the watermark, by stage; not derived from an event. */
  public static final String SAMPLES_DROPPED = "latency_samples_dropped_total";
  public static final String SESSIONS_STARTED = "sessions_started_total";
  public static final String FALSE_INTERRUPTIONS = "false_interruption_total";
  public static final String ROLLOVERS = "session_rollover_total";

  private static final List<String> FALSE_INTERRUPTION_REASONS = List.of("too_short", "too_few_words", "no_transcript");
  private static final List<String> ROLLOVER_OUTCOMES = List.of("planned", "completed", "failed");
  private static final List<String> HANGUP_REASONS =
      List.of("abandoned", "budget_exceeded", "rollover_old_call", "replaced", "unclaimed");

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
      new CounterDefinition("token_refreshed_total", "token.refreshed", List.of(), List.of(),
          "Session rotation tokens refreshed without a client secret (server-side call creation)"),
      new CounterDefinition("token_denied_total", "token.denied", List.of("reason"),
          List.of("unauthenticated", "forbidden", "session_expired", "rate_limited"),
          "Token requests refused, by reason"),
      new CounterDefinition(SESSIONS_STARTED, "session.started", List.of(), List.of(),
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
          "Upstream events of a cancelled or finished response that were ignored"),
      closed(FALSE_INTERRUPTIONS, "session.false_interruption", "reason", FALSE_INTERRUPTION_REASONS,
          "Speech over the assistant that the false-interruption policy kept from cancelling it, by reason"),
      closed(ROLLOVERS, "session.rollover", "outcome", ROLLOVER_OUTCOMES,
          "Upstream hand-overs past the call's age cap, by outcome (planned, completed, failed)"),
      new CounterDefinition("session_budget_exceeded_total", "session.budget_exceeded", List.of("scope", "limit"),
          List.of(), "Sessions ended because a user's or tenant's budget was exceeded, by scope and limit",
          Map.of("scope", Set.of("user", "tenant"), "limit", Set.of("duration", "concurrency")), Map.of()),
      closed("call_hangup_total", "session.call_hung_up", "reason", HANGUP_REASONS,
          "Upstream calls the suite hung up, by reason (abandoned, budget_exceeded, rollover_old_call, replaced, unclaimed)"),
      new CounterDefinition("sessions_abandoned_total", "session.ended", List.of(), List.of(),
          "Sessions ended because their client vanished (no client event within the liveness grace)",
          Map.of(), Map.of("reason", "abandoned")));

  private static final Map<String, List<CounterDefinition>> BY_EVENT_TYPE =
      DEFINITIONS.stream().collect(Collectors.groupingBy(CounterDefinition::eventType, Collectors.toUnmodifiableList()));

  private CounterCatalog() {}

  public static List<CounterDefinition> all() {
    return DEFINITIONS;
  }

  /** The counters an event type may move (each may still ask for a payload value, see {@link CounterDefinition#counts}). */
  public static List<CounterDefinition> forEventType(String eventType) {
    return BY_EVENT_TYPE.getOrDefault(eventType, List.of());
  }

  /** The counter of this name. */
  public static CounterDefinition named(String metric) {
    return DEFINITIONS.stream().filter(d -> d.metric().equals(metric)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no counter " + metric));
  }

  /** A counter with one label whose values form a closed set (anything else is {@code other}). */
  private static CounterDefinition closed(String metric, String eventType, String label, List<String> values,
                                          String description) {
    return new CounterDefinition(metric, eventType, List.of(label), values, description,
        Map.of(label, Set.copyOf(values)), Map.of());
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
