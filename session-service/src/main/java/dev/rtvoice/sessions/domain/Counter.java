package dev.rtvoice.sessions.domain;

/** Per-session counters kept in the snapshot (and shown by {@code GET /v1/sessions/{id}}). */
public enum Counter {
  EVENTS_APPLIED("events_applied"),
  DUPLICATES("duplicates"),
  HELD_OUT_OF_ORDER("held_out_of_order"),
  STALE_EVENTS("stale_events"),
  REFUSED("refused"),
  INTERRUPTS("interrupts"),
  INTERRUPTS_RECOVERED("interrupts_recovered"),
  INTERRUPTS_FAILED("interrupts_failed"),
  TIMEOUTS("timeouts"),
  UPSTREAM_ERRORS("upstream_errors"),
  RECONNECTS_TRANSPORT("reconnects_transport"),
  RECONNECTS_SESSION("reconnects_session"),
  ICE_FAILURES("ice_failures"),
  NETWORK_CHANGES("network_changes"),
  ORDER_BROKEN("order_broken"),
  /** Client events dropped because the events held past a gap went over their budget. */
  HELD_DROPPED("held_dropped"),
  /** Upstream refused a truncate as longer than the item's audio ("already shorter"); not a recovery failure. */
  TRUNCATE_OVERSHOOTS("truncate_overshoots"),
  /** The user spoke over the assistant too briefly (or with too few words) to cancel it: it went on. */
  FALSE_INTERRUPTIONS("false_interruptions");

  private final String wire;

  Counter(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }
}
