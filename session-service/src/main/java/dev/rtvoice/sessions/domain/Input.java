package dev.rtvoice.sessions.domain;

/** What the state machine is asked to apply; every input carries its event time. */
public sealed interface Input {
  /** Event time of the input, epoch milliseconds. */
  long atMs();

  /** Where an observed event came from. */
  enum Source { CLIENT, SIDEBAND }

  /** An event summary reported by the client or received on the sideband. */
  record Observed(EventSummary summary, Source source) implements Input {
    @Override
    public long atMs() {
      return summary.occurredAtMs();
    }
  }

  /**
   * {@code POST /interrupt}: cancel the current response.
   *
   * @param clientResponseId the response the client is playing, if it said (used when the service has
   *     not heard of it yet)
   * @param sidebandOpen whether this instance holds an open sideband to upstream right now, so that it
   *     sends {@code response.cancel} itself
   */
  record InterruptRequest(String interruptId, long atMs, long audioEndMs, String clientResponseId,
                          String clientItemId, boolean sidebandOpen) implements Input {}

  /**
   * {@code POST /recover}.
   *
   * @param recoveryId the client's id of this recovery (null: none); a retry with the id of the last
   *     applied recovery is a duplicate, answered with its plan again and applied once
   * @param secretExpiresAtMs the client secret's expiry from the caller's rotation token
   * @param wallMs the server's clock at the request: a secret's expiry is a wall-clock fact
   */
  record RecoveryRequest(String recoveryId, String reason, long atMs, long secretExpiresAtMs, long wallMs)
      implements Input {
    /** Without a recovery id: never recognized as a retry. */
    public RecoveryRequest(String reason, long atMs, long secretExpiresAtMs, long wallMs) {
      this(null, reason, atMs, secretExpiresAtMs, wallMs);
    }
  }

  /**
   * Time passes: the session's event-time clock reached {@code atMs} (fires due timeouts).
   *
   * @param wallMs the owner's wall clock when it wrote the tick (server time), against which the
   *     client's liveness is checked; {@link #NO_WALL_CLOCK}: no liveness check
   */
  record Tick(long atMs, long wallMs) implements Input {
    public static final long NO_WALL_CLOCK = Long.MIN_VALUE;

    public Tick(long atMs) {
      this(atMs, NO_WALL_CLOCK);
    }
  }

  /**
   * The owner counted the session's user (or tenant) over a concurrency budget when its call started
   * (from every instance's read view): the session ends {@code budget_exceeded}, its call is hung up.
   *
   * @param scope {@code user} or {@code tenant}
   * @param limit {@code concurrency}
   * @param value the calls counted, this one included
   */
  record BudgetExceeded(String scope, String limit, long value, long max, long atMs) implements Input {}

  /**
   * token-service created upstream call {@code callId} for the session (server-side call creation).
   *
   * @param atMs when it was created (token-service's clock)
   * @param wallMs the same instant as server time, from which an unreported call's grace runs
   */
  record CallCreated(String callId, long atMs, long wallMs) implements Input {}

  /** The service could not write {@code response.cancel} on the sideband for this interrupt. */
  record SidebandCancelFailed(String interruptId, long atMs) implements Input {}
}
