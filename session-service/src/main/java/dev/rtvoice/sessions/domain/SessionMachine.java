package dev.rtvoice.sessions.domain;

import dev.rtvoice.common.event.payload.SessionStartedPayload;

/**
 * The per-session interruption state machine. Plain Java and deterministic: the same state and the
 * same inputs always give the same state and the same decisions, which is what lets a restarted or
 * re-assigned instance continue exactly where the last one stopped.
 *
 * <pre>
 * IDLE --client.connected--> LISTENING --speech stopped / committed / response.created--> THINKING
 * THINKING --first audio of the response--> SPEAKING --response.done--> LISTENING
 * THINKING|SPEAKING|PENDING_INTERRUPT --interrupt--> CANCELLING --response.done of it | response_cancel_not_active--> LISTENING
 * with a false-interruption policy: SPEAKING --speech_started--> PENDING_INTERRUPT
 *   --speech long enough (and enough words)--> CANCELLING | --shorter, fewer words, no transcript--> SPEAKING
 * THINKING --timeout | error | failed response--> RECOVERING --client.connected|reconnected--> LISTENING
 * CANCELLING --ack deadline passed | cancel sent on no path--> RECOVERING
 * any but ENDED --recover--> RECOVERING;  any --client.ended | idle timeout--> ENDED
 * </pre>
 *
 * <p>The session-service README's transition matrix is every phase times every input, checked
 * against this class by {@code TransitionMatrixTest}. The rules live by event family: {@link Intake}
 * (sequence order, duplicates, held events), {@link TurnEvents} and {@link FalseInterruptions} (the user's speech),
 * {@link ResponseEvents} (upstream's response and session events), {@link ClientEvents} (the client's
 * own), {@link Interrupts} and {@link Recoveries} (the commands), {@link Timers} (deadlines on the
 * session's event time, from the one function {@link Deadline#next}); {@link Moves} holds what they
 * share.
 *
 * <p>Rules that keep it honest: an input that is not a legal transition is refused and counted, never
 * applied; an event of a response that was cancelled or done is stale (ignored, counted, reported)
 * and can never bring SPEAKING back; client events apply at most once and in their sequence order
 * (those past a gap wait for it to fill, within a bound); the client's report of an upstream event
 * and the sideband's copy of it apply once (by upstream event id).
 *
 * <p>Time is the session's event time: it moves with the events' {@code occurred_at}. Deadlines that
 * an input's time passes fire, in time order and each at its own due time, before the input is applied.
 * A quiet session's deadlines fire on {@link Input.Tick}s from the owning instance (which runs the
 * session's clock on the wall clock while no event comes). A tick is not a durable command, so it may
 * change only what the durable commands alone would have changed: a tick that fires nothing changes
 * nothing, not even the clock, and one that fires a deadline moves the clock to that deadline's due
 * time only (derived from the state, not from when the tick ran). The next command that passes the
 * same deadline fires it the same way, so the state stays a function of the durable commands.
 *
 * <p>Held events are bounded (see {@link StateBudget}): one more event past a gap than
 * {@code ORDER_MAX_HELD}, or than {@link StateBudget#HELD_MAX_BYTES} together, and the session drops
 * them all (outcome {@link Decision.Outcome#DROPPED}, counter {@code held_dropped}), takes its
 * sequence past the highest dropped one, flags ordering as broken and goes to RECOVERING, so the
 * client gets the {@code event_order_broken} advice. No other session is affected.
 */
public final class SessionMachine {
  private final MachineSettings settings;
  private final Intake intake;
  private final Timers timers;
  private final Interrupts interrupts;
  private final Recoveries recoveries;
  private final TurnEvents turns;
  private final ResponseEvents responses;
  private final ClientEvents client;
  private final Calls calls;

  public SessionMachine(MachineSettings settings) {
    this.settings = settings;
    Moves moves = new Moves(settings);
    this.intake = new Intake(settings, moves, this);
    this.interrupts = new Interrupts(settings, moves, this);
    FalseInterruptions pending = new FalseInterruptions(settings, moves, interrupts);
    this.calls = new Calls(settings, moves);
    this.timers = new Timers(settings, moves, intake, pending, calls);
    this.recoveries = new Recoveries(settings, moves, timers, calls);
    this.turns = new TurnEvents(moves, pending);
    this.responses = new ResponseEvents(settings, moves, interrupts, calls);
    this.client = new ClientEvents(moves, calls);
  }

  public MachineSettings settings() {
    return settings;
  }

  /** A new session: the caller created it in IDLE; this announces it. */
  public Decision start(SessionState s) {
    Decision d = new Decision();
    d.emit(new SessionStartedPayload(s.userId, s.deviceId), s.startedAtMs);
    return d;
  }

  public Decision apply(SessionState s, Input input) {
    Decision d = new Decision();
    if (input instanceof Input.Tick tick) {
      timers.advance(s, tick.atMs(), d, true);
      if (s.phase != Phase.ENDED) {
        calls.checkLiveness(s, tick, d);
      }
    } else if (input instanceof Input.Observed observed) {
      intake.observe(s, observed, d);
    } else if (input instanceof Input.InterruptRequest request) {
      interrupts.interrupt(s, request, d);
    } else if (input instanceof Input.RecoveryRequest request) {
      recoveries.recover(s, request, d);
    } else if (input instanceof Input.SidebandCancelFailed failed) {
      interrupts.sidebandCancelFailed(s, failed, d);
    } else if (input instanceof Input.BudgetExceeded over) {
      calls.overBudget(s, over, d);
    } else if (input instanceof Input.CallCreated created) {
      calls.callCreated(s, created, d);
    }
    return d;
  }

  /**
   * The earliest event time at which a deadline of this session falls due (see {@link Deadline.Kind}),
   * or {@code Long.MAX_VALUE}.
   */
  public long nextDeadline(SessionState s) {
    return Deadline.next(s, settings).dueMs();
  }

  /**
   * The owner's wall time (server time) at which this session's client counts as gone if it sends
   * nothing more ({@code LIVENESS_GRACE} after its last request), or a call created for it and never
   * reported is hung up, whichever is earlier; {@code Long.MAX_VALUE} for neither. The owner writes a
   * tick carrying its wall clock then; the machine checks it again.
   */
  public long livenessDueWallMs(SessionState s) {
    return calls.livenessDueWallMs(s);
  }

  /** Moves a command's clock to {@code t}, firing every deadline it passes (see {@link Timers}). */
  void advance(SessionState s, long t, Decision d) {
    timers.advance(s, t, d, false);
  }

  /** An observed event, in order and new, to the family whose rules it follows. */
  void route(SessionState s, EventSummary e, Decision d) {
    switch (e.type()) {
      case SPEECH_STARTED, SPEECH_STOPPED, AUDIO_COMMITTED, INPUT_TRANSCRIPTION_COMPLETED -> turns.apply(s, e, d);
      case CLIENT_CONNECTED, CLIENT_RECONNECTED, CLIENT_PLAYBACK_STOPPED, CLIENT_ICE_STATE, CLIENT_NETWORK_CHANGED,
          CLIENT_CANCEL_FAILED, CLIENT_ENDED, CLIENT_HEARTBEAT, CLIENT_ROLLOVER_FAILED -> client.apply(s, e, d);
      default -> responses.apply(s, e, d);
    }
  }
}
