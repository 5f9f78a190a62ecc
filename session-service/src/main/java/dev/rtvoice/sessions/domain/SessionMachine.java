package dev.rtvoice.sessions.domain;

import static dev.rtvoice.sessions.domain.Decision.Outcome.APPLIED;
import static dev.rtvoice.sessions.domain.Decision.Outcome.DROPPED;
import static dev.rtvoice.sessions.domain.Decision.Outcome.DUPLICATE;
import static dev.rtvoice.sessions.domain.Decision.Outcome.HELD;
import static dev.rtvoice.sessions.domain.Decision.Outcome.REFUSED;
import static dev.rtvoice.sessions.domain.Decision.Outcome.STALE;

import dev.rtvoice.common.event.EventType;
import dev.rtvoice.sessions.domain.Decision.Effect;
import dev.rtvoice.sessions.domain.Input.Observed;
import dev.rtvoice.sessions.domain.Input.Source;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-session interruption state machine. Plain Java and deterministic: the same state and the
 * same inputs always give the same state and the same decisions, which is what lets a restarted or
 * re-assigned instance continue exactly where the last one stopped.
 *
 * <pre>
 * IDLE --client.connected--> LISTENING --speech stopped / committed / response.created--> THINKING
 * THINKING --first audio of the response--> SPEAKING --response.done--> LISTENING
 * THINKING|SPEAKING --interrupt--> CANCELLING --response.done of it | response_cancel_not_active--> LISTENING
 * THINKING --timeout | error | failed response--> RECOVERING --client.connected|reconnected--> LISTENING
 * CANCELLING --ack deadline passed | cancel sent on no path--> RECOVERING
 * any but ENDED --recover--> RECOVERING;  any --client.ended | idle timeout--> ENDED
 * </pre>
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
  static final String RESPONSE_CANCEL_NOT_ACTIVE = "response_cancel_not_active";

  private final MachineSettings settings;

  public SessionMachine(MachineSettings settings) {
    this.settings = settings;
  }

  public MachineSettings settings() {
    return settings;
  }

  /** A new session: the caller created it in IDLE; this announces it. */
  public Decision start(SessionState s) {
    Decision d = new Decision();
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("user_id", s.userId);
    payload.put("device_id", s.deviceId);
    d.emit(EventType.SESSION_STARTED, payload, s.startedAtMs);
    return d;
  }

  public Decision apply(SessionState s, Input input) {
    Decision d = new Decision();
    if (input instanceof Input.Tick tick) {
      advance(s, tick.atMs(), d, true);
    } else if (input instanceof Observed observed) {
      observe(s, observed, d);
    } else if (input instanceof Input.InterruptRequest request) {
      interrupt(s, request, d);
    } else if (input instanceof Input.RecoveryRequest request) {
      recover(s, request, d);
    } else if (input instanceof Input.SidebandCancelFailed failed) {
      sidebandCancelFailed(s, failed, d);
    }
    return d;
  }

  /**
   * The earliest event time at which a deadline of this session falls due (thinking timeout, cancel
   * acknowledgement, sequence gap, idle end, retention of an ended session), or {@code Long.MAX_VALUE}.
   */
  public long nextDeadline(SessionState s) {
    long next = Long.MAX_VALUE;
    if (s.phase == Phase.THINKING && s.thinkingDeadlineMs >= 0) {
      next = Math.min(next, s.thinkingDeadlineMs);
    }
    if (s.phase == Phase.CANCELLING && s.interrupt != null) {
      next = Math.min(next, s.interrupt.deadlineMs);
    }
    if (s.held != null && !s.held.isEmpty() && s.gapSinceMs >= 0) {
      next = Math.min(next, s.gapSinceMs + settings.gapTimeoutMs());
    }
    if (s.phase == Phase.ENDED) {
      next = Math.min(next, s.endedAtMs + settings.retentionMs());
    } else {
      next = Math.min(next, s.lastActivityMs + settings.idleTimeoutMs());
    }
    return next;
  }

  // ---- time ----

  /** Moves the session's clock to {@code t}, firing every deadline it passes, in time order. */
  private void advance(SessionState s, long t, Decision d) {
    advance(s, t, d, false);
  }

  /**
   * Fires every deadline up to {@code t}, in time order. For a command the clock then moves to
   * {@code t}; for a tick (not durable) it moves only to the due time of what fired.
   */
  private void advance(SessionState s, long t, Decision d, boolean tick) {
    while (true) {
      long due = Long.MAX_VALUE;
      int which = 0;
      if (s.phase == Phase.THINKING && s.thinkingDeadlineMs >= 0 && s.thinkingDeadlineMs < due) {
        due = s.thinkingDeadlineMs;
        which = 1;
      }
      if (s.phase == Phase.CANCELLING && s.interrupt != null && s.interrupt.deadlineMs < due) {
        due = s.interrupt.deadlineMs;
        which = 2;
      }
      if (s.held != null && !s.held.isEmpty() && s.gapSinceMs >= 0 && s.gapSinceMs + settings.gapTimeoutMs() < due) {
        due = s.gapSinceMs + settings.gapTimeoutMs();
        which = 3;
      }
      if (s.phase != Phase.ENDED && s.lastActivityMs + settings.idleTimeoutMs() < due) {
        due = s.lastActivityMs + settings.idleTimeoutMs();
        which = 4;
      }
      if (due > t) {
        break;
      }
      s.eventTimeMs = Math.max(s.eventTimeMs, due);
      switch (which) {
        case 1 -> {
          s.counters[Counter.TIMEOUTS.ordinal()]++;
          recovering(s, d, "thinking_timeout", due);
        }
        case 2 -> interruptFailed(s, d, "ack_timeout", due);
        case 3 -> breakOrder(s, d, "sequence_gap");
        default -> end(s, d, "idle_timeout", due);
      }
      d.touch();
    }
    if (!tick && t > s.eventTimeMs) {
      s.eventTimeMs = t;
    }
    if (s.phase == Phase.ENDED && s.endedAtMs >= 0 && t >= s.endedAtMs + settings.retentionMs()) {
      s.eventTimeMs = Math.max(s.eventTimeMs, s.endedAtMs + settings.retentionMs());
      d.effect(new Effect.Tombstone());
    }
  }

  // ---- observed events ----

  private void observe(SessionState s, Observed o, Decision d) {
    EventSummary e = o.summary();
    if (s.phase == Phase.ENDED) {
      refuse(s, d, "the session has ended");
      return;
    }
    if (o.source() == Source.CLIENT) {
      if (e.seq() <= s.lastAckSeq) {
        duplicate(s, d, "sequence " + e.seq() + " is not newer than " + s.lastAckSeq);
        return;
      }
      if (e.seq() > s.lastAckSeq + 1) {
        if (s.held != null && s.held.stream().anyMatch(h -> h.seq() == e.seq())) {
          duplicate(s, d, "sequence " + e.seq() + " is already held");
          return;
        }
        // time passes whatever the order of the reports; a gap may break (and release) here
        advance(s, e.occurredAtMs(), d);
        if (s.phase == Phase.ENDED) {
          refuse(s, d, "the session has ended");
          return;
        }
        if (e.seq() <= s.lastAckSeq) {
          duplicate(s, d, "sequence " + e.seq() + " is not newer than " + s.lastAckSeq);
          return;
        }
        if (e.seq() > s.lastAckSeq + 1) {
          hold(s, e, d);
          return;
        }
      }
      applyInOrder(s, e, Source.CLIENT, d);
      releaseHeld(s, d);
    } else {
      applyInOrder(s, e, Source.SIDEBAND, d);
    }
  }

  private void hold(SessionState s, EventSummary e, Decision d) {
    int bytes = e.jsonBytes();
    if (s.heldCount() + 1 > settings.maxHeld() || s.heldBytes + bytes > StateBudget.HELD_MAX_BYTES) {
      dropHeld(s, e, d);
      return;
    }
    if (s.held == null) {
      s.held = new ArrayList<>(4);
    }
    s.held.add(e);
    s.heldBytes += bytes;
    s.held.sort(Comparator.comparingLong(EventSummary::seq));
    s.counters[Counter.HELD_OUT_OF_ORDER.ordinal()]++;
    if (s.gapSinceMs < 0) {
      s.gapSinceMs = s.eventTimeMs;
    }
    d.outcome(HELD, "waiting for sequence " + (s.lastAckSeq + 1));
  }

  /**
   * The client pushed past the held events' budget: what is held and {@code e} are dropped, never
   * applied; the sequence resumes after the highest of them (a retry of one is a duplicate); ordering
   * is broken and the session goes to RECOVERING, so the client is advised a session-class recovery.
   */
  private void dropHeld(SessionState s, EventSummary e, Decision d) {
    EventSummary last = e;
    int dropped = 1;
    if (s.held != null) {
      for (EventSummary h : s.held) {
        if (h.seq() > last.seq()) {
          last = h;
        }
      }
      dropped += s.held.size();
    }
    clearHeld(s);
    s.lastAckSeq = last.seq();
    s.lastAckEventId = last.eventId() != null ? last.eventId() : "seq:" + last.seq();
    s.counters[Counter.HELD_DROPPED.ordinal()] += dropped;
    s.counters[Counter.ORDER_BROKEN.ordinal()]++;
    if (s.orderBroken == null) {
      s.orderBroken = "held_overflow";
    }
    d.outcome(DROPPED, dropped + " events past a gap exceed the held budget (" + settings.maxHeld() + " events, "
        + StateBudget.HELD_MAX_BYTES + " bytes): dropped");
    d.dropped(dropped);
    closeInterruptAsFailed(s, d, "event_order_broken", s.eventTimeMs);
    recovering(s, d, "event_order_broken", s.eventTimeMs);
  }

  private static void clearHeld(SessionState s) {
    s.held = null;
    s.heldBytes = 0;
    s.gapSinceMs = -1;
  }

  /** Applies the held events that now follow the watermark without a gap. */
  private void releaseHeld(SessionState s, Decision d) {
    while (s.held != null && !s.held.isEmpty() && s.phase != Phase.ENDED) {
      EventSummary next = s.held.get(0);
      if (next.seq() <= s.lastAckSeq) {
        s.held.remove(0);
        s.heldBytes -= next.jsonBytes();
        s.counters[Counter.DUPLICATES.ordinal()]++;
      } else if (next.seq() == s.lastAckSeq + 1) {
        s.held.remove(0);
        s.heldBytes -= next.jsonBytes();
        applyInOrder(s, next, Source.CLIENT, d);
      } else {
        break;
      }
    }
    if (s.held != null && s.held.isEmpty()) {
      clearHeld(s);
    }
  }

  /**
   * The gap will not fill: ordering is broken. The service does not guess what was lost; it flags the
   * session (the next client call gets the session-class advice) and applies what it holds in
   * sequence order, past the gap, so nothing accepted is silently dropped.
   */
  private void breakOrder(SessionState s, Decision d, String reason) {
    if (s.orderBroken == null) {
      s.orderBroken = reason;
    }
    s.counters[Counter.ORDER_BROKEN.ordinal()]++;
    List<EventSummary> held = s.held == null ? List.of() : s.held;
    clearHeld(s);
    for (EventSummary e : held) {
      if (s.phase == Phase.ENDED) {
        s.counters[Counter.REFUSED.ordinal()]++;
        continue;
      }
      if (e.seq() <= s.lastAckSeq) {
        s.counters[Counter.DUPLICATES.ordinal()]++;
        continue;
      }
      s.lastAckSeq = e.seq() - 1;
      applyInOrder(s, e, Source.CLIENT, d);
    }
  }

  private void applyInOrder(SessionState s, EventSummary e, Source source, Decision d) {
    if (source == Source.CLIENT) {
      s.lastAckSeq = e.seq();
      s.lastAckEventId = e.eventId() != null ? e.eventId() : "seq:" + e.seq();
      if (e.type() == SummaryType.SPEECH_STARTED || e.type() == SummaryType.SPEECH_STOPPED
          || e.type() == SummaryType.AUDIO_COMMITTED) {
        s.lastUserAudioSeq = e.seq();
      }
    }
    if (e.eventId() != null && !e.type().clientOnly()) {
      if (s.seenUpstream.contains(e.eventId())) {
        duplicate(s, d, "upstream event " + e.eventId() + " was applied already");
        return;
      }
      s.seenUpstream.add(e.eventId());
    }
    advance(s, e.occurredAtMs(), d);
    if (s.phase == Phase.ENDED) {
      refuse(s, d, "the session has ended");
      return;
    }
    s.lastActivityMs = Math.max(s.lastActivityMs, e.occurredAtMs());
    if (e.conversationId() != null) {
      s.conversationId = e.conversationId();
    }
    dispatch(s, e, d);
  }

  private void dispatch(SessionState s, EventSummary e, Decision d) {
    long t = e.occurredAtMs();
    String rid = e.responseId();
    switch (e.type()) {
      case SESSION_CREATED, OUTPUT_AUDIO_CLEARED, ITEM_TRUNCATED, SPEECH_STARTED -> applied(s, d);
      case SPEECH_STOPPED, AUDIO_COMMITTED -> {
        switch (s.phase) {
          case LISTENING -> {
            s.turn++;
            s.speechStoppedAtMs = t;
            applied(s, d);
            move(s, d, Phase.THINKING, e.type().wire(), t);
          }
          case THINKING -> applied(s, d);
          case CANCELLING -> {
            // the user is already speaking the next turn; its latency starts now
            s.speechStoppedAtMs = t;
            applied(s, d);
          }
          default -> refuse(s, d, e.type().wire() + " is not a transition from " + s.phase);
        }
      }
      case RESPONSE_CREATED -> {
        if (stale(s, e, d)) {
          return;
        }
        switch (s.phase) {
          case LISTENING -> {
            s.turn++;
            forgetResponse(s);
            s.responseId = rid;
            applied(s, d);
            move(s, d, Phase.THINKING, e.type().wire(), t);
          }
          case THINKING -> {
            if (s.responseId == null) {
              forgetResponse(s);
              s.responseId = rid;
              // a response started: the wait for its first audio starts again
              s.thinkingDeadlineMs = t + settings.thinkingTimeoutMs();
              applied(s, d);
            } else if (s.responseId.equals(rid)) {
              applied(s, d);
            } else {
              refuse(s, d, "response " + s.responseId + " is still active");
            }
          }
          case CANCELLING -> {
            Interrupt i = s.interrupt;
            if (i != null && i.responseId == null) {
              // interrupted before upstream announced the response: this is the one to cancel
              i.responseId = rid;
              s.cancelledResponses.add(rid);
              applied(s, d);
              if (i.server == Interrupt.Delivery.SENT) {
                d.effect(new Effect.CancelUpstream(i.id, rid));
              }
            } else {
              refuse(s, d, "a response cannot start while an interrupt is cancelling");
            }
          }
          default -> refuse(s, d, "response.created is not a transition from " + s.phase);
        }
      }
      case OUTPUT_ITEM_ADDED -> {
        if (stale(s, e, d)) {
          return;
        }
        if (rid.equals(s.responseId)) {
          if (e.itemId() != null) {
            s.itemId = e.itemId();
          }
          applied(s, d);
        } else {
          neverStarted(s, e, d);
        }
      }
      case OUTPUT_AUDIO_DELTA, AUDIO_DELTA_LEGACY, OUTPUT_AUDIO_STARTED -> {
        if (stale(s, e, d)) {
          return;
        }
        if (!rid.equals(s.responseId)) {
          neverStarted(s, e, d);
          return;
        }
        if (s.itemId == null && e.itemId() != null) {
          s.itemId = e.itemId();
        }
        s.audioStartedAtMs = s.audioStartedAtMs < 0 ? t : Math.min(s.audioStartedAtMs, t);
        applied(s, d);
        if (s.phase == Phase.THINKING) {
          if (s.speechStoppedAtMs >= 0) {
            long value = t - s.speechStoppedAtMs;
            if (value >= 0 && value <= 120_000) {
              d.sample(new Decision.LatencySample("inference", value, s.turn, s.platform, t));
            }
            s.speechStoppedAtMs = -1;
          }
          move(s, d, Phase.SPEAKING, e.type().wire(), t);
        }
      }
      case OUTPUT_AUDIO_STOPPED -> {
        // comes after response.done as often as not: for an older response it is no news, not stale
        if (rid.equals(s.responseId) && s.audioStartedAtMs >= 0) {
          s.audioStoppedAtMs = s.audioStoppedAtMs < 0 ? t : Math.min(s.audioStoppedAtMs, t);
        }
        applied(s, d);
      }
      case OUTPUT_AUDIO_DONE -> {
        if (stale(s, e, d)) {
          return;
        }
        if (rid.equals(s.responseId)) {
          applied(s, d);
        } else {
          neverStarted(s, e, d);
        }
      }
      case OUTPUT_TRANSCRIPT_DONE, TRANSCRIPT_DONE_LEGACY -> {
        if (stale(s, e, d)) {
          return;
        }
        if (rid.equals(s.responseId)) {
          s.summary.add(s.turn, BoundedSummary.ASSISTANT, e.transcript());
          applied(s, d);
        } else {
          neverStarted(s, e, d);
        }
      }
      case INPUT_TRANSCRIPTION_COMPLETED -> {
        s.summary.add(s.turn, BoundedSummary.USER, e.transcript());
        applied(s, d);
      }
      case RESPONSE_DONE -> responseDone(s, e, d);
      case ERROR -> {
        if (RESPONSE_CANCEL_NOT_ACTIVE.equals(e.errorCode())) {
          // upstream's answer to a cancel of a response that is no longer active, not a failure: it
          // acknowledges an open interrupt, and says nothing about a response the next turn is waiting
          // for (a late answer to an early cancel must not send that turn to recovery)
          applied(s, d);
          if (s.phase == Phase.CANCELLING) {
            acknowledge(s, d, RESPONSE_CANCEL_NOT_ACTIVE, t);
          }
        } else if (Truncation.isAlreadyShorter(e.errorMessage())) {
          // a truncate past the item's audio was refused: the item keeps its audio, nothing to recover
          s.counters[Counter.TRUNCATE_OVERSHOOTS.ordinal()]++;
          applied(s, d);
        } else {
          s.counters[Counter.UPSTREAM_ERRORS.ordinal()]++;
          applied(s, d);
          if (s.phase == Phase.THINKING) {
            recovering(s, d, "upstream_error", t);
          }
        }
      }
      case CLIENT_CONNECTED, CLIENT_RECONNECTED -> {
        if (e.callId() != null && !e.callId().equals(s.callId)) {
          s.callId = e.callId();
          d.effect(new Effect.ConnectSideband(e.callId()));
        }
        applied(s, d);
        if (s.phase == Phase.IDLE || s.phase == Phase.RECOVERING) {
          move(s, d, Phase.LISTENING, e.type().wire(), t);
        }
      }
      case CLIENT_PLAYBACK_STOPPED -> {
        s.playedMs = e.playedMs();
        applied(s, d);
      }
      case CLIENT_ICE_STATE -> {
        applied(s, d);
        if ("failed".equals(e.iceState())) {
          s.counters[Counter.ICE_FAILURES.ordinal()]++;
          Map<String, Object> payload = new LinkedHashMap<>();
          payload.put("ice_state", e.iceState());
          d.emit(EventType.SESSION_ICE_FAILED, payload, t);
        }
      }
      case CLIENT_NETWORK_CHANGED -> {
        s.counters[Counter.NETWORK_CHANGES.ordinal()]++;
        applied(s, d);
      }
      case CLIENT_CANCEL_FAILED -> {
        if (s.phase != Phase.CANCELLING || s.interrupt == null) {
          refuse(s, d, "no interrupt is cancelling");
          return;
        }
        s.interrupt.client = Interrupt.Delivery.FAILED;
        applied(s, d);
        if (s.interrupt.server != Interrupt.Delivery.SENT) {
          interruptFailed(s, d, "cancel_not_sent", t);
        }
      }
      case CLIENT_ENDED -> {
        applied(s, d);
        end(s, d, e.reason() == null ? "client_ended" : e.reason(), t);
      }
      default -> throw new IllegalStateException("unhandled " + e.type());
    }
  }

  private void responseDone(SessionState s, EventSummary e, Decision d) {
    long t = e.occurredAtMs();
    String rid = e.responseId();
    Interrupt i = s.interrupt;
    if (s.phase == Phase.CANCELLING && i != null && rid.equals(i.responseId)) {
      // the end of the interrupted response: upstream acknowledged (cancelled, or it had just finished)
      applied(s, d);
      acknowledge(s, d, "response.done", t);
      return;
    }
    if (stale(s, e, d)) {
      return;
    }
    if (!rid.equals(s.responseId)) {
      neverStarted(s, e, d);
      return;
    }
    forgetResponse(s);
    // a turn that ended without audio leaves no latency to measure for the next one
    s.speechStoppedAtMs = -1;
    if ("cancelled".equals(e.status())) {
      s.cancelledResponses.add(rid);
    } else {
      s.doneResponses.add(rid);
    }
    applied(s, d);
    if ("failed".equals(e.status()) && s.phase == Phase.THINKING) {
      recovering(s, d, "response_failed", t);
    } else {
      move(s, d, Phase.LISTENING, "response.done", t);
    }
  }

  /** An event of a response that was cancelled or done: ignored, counted, reported. */
  private boolean stale(SessionState s, EventSummary e, Decision d) {
    String rid = e.responseId();
    String reason;
    if (s.cancelledResponses.contains(rid)) {
      reason = "response_cancelled";
    } else if (s.doneResponses.contains(rid)) {
      reason = "response_done";
    } else {
      return false;
    }
    s.counters[Counter.STALE_EVENTS.ordinal()]++;
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("response_id", rid);
    payload.put("event_type", e.type().wire());
    payload.put("reason", reason);
    d.emit(EventType.SESSION_STALE_EVENT_IGNORED, payload, e.occurredAtMs());
    d.outcome(STALE, "response " + rid + " is " + (reason.equals("response_done") ? "done" : "cancelled"));
    return true;
  }

  /** An event for a response that never started: ordering is broken; refused, and the client is advised. */
  private void neverStarted(SessionState s, EventSummary e, Decision d) {
    if (s.orderBroken == null) {
      s.orderBroken = "unknown_response";
    }
    s.counters[Counter.ORDER_BROKEN.ordinal()]++;
    refuse(s, d, e.type().wire() + " for response " + e.responseId() + ", which never started");
  }

  // ---- interrupts ----

  private void interrupt(SessionState s, Input.InterruptRequest r, Decision d) {
    if (r.interruptId().equals(s.lastInterruptId)) {
      s.counters[Counter.DUPLICATES.ordinal()]++;
      d.outcome(DUPLICATE, "interrupt " + r.interruptId() + " was applied already");
      d.reply(interruptReply(s, "duplicate", s.interrupt != null && s.interrupt.id.equals(r.interruptId())
          ? s.interrupt : null, r.interruptId()));
      return;
    }
    if (s.phase != Phase.ENDED) {
      advance(s, r.atMs(), d);
    }
    if (!s.phase.interruptible()) {
      refuse(s, d, "nothing to interrupt in " + s.phase);
      d.reply(interruptReply(s, "refused", null, r.interruptId()));
      return;
    }
    s.lastActivityMs = Math.max(s.lastActivityMs, r.atMs());
    long t = Math.max(r.atMs(), s.eventTimeMs);
    String rid = s.responseId;
    String item = s.itemId;
    if (rid == null && r.clientResponseId() != null && !s.cancelledResponses.contains(r.clientResponseId())
        && !s.doneResponses.contains(r.clientResponseId())) {
      // the client plays a response whose report has not reached the service yet
      rid = r.clientResponseId();
      item = r.clientItemId();
    } else if (item == null && rid != null && rid.equals(r.clientResponseId())) {
      item = r.clientItemId();
    }
    // only the audio of the response the service follows was measured; one it has not heard of has none
    long delivered = rid != null && rid.equals(s.responseId)
        ? Truncation.deliveredMs(s.audioStartedAtMs, s.audioStoppedAtMs, t) : Truncation.NONE;
    long truncateAt = Truncation.truncateAtMs(r.audioEndMs(), item, delivered);
    Phase before = s.phase;
    Interrupt.Delivery server = r.sidebandOpen() ? Interrupt.Delivery.SENT : Interrupt.Delivery.UNAVAILABLE;
    Interrupt i = new Interrupt(r.interruptId(), t, t + settings.cancelAckTimeoutMs(), rid, item, r.audioEndMs(),
        delivered, truncateAt, before, Interrupt.Delivery.UNKNOWN, server);
    if (rid != null) {
      s.cancelledResponses.add(rid);
    }
    s.interrupt = i;
    forgetResponse(s);
    s.lastInterruptId = r.interruptId();
    s.counters[Counter.INTERRUPTS.ordinal()]++;
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("interrupt_id", i.id);
    payload.put("response_id", rid);
    payload.put("phase_before", before.name());
    payload.put("audio_end_ms", r.audioEndMs());
    payload.put("delivered_audio_ms", delivered < 0 ? null : delivered);
    payload.put("truncate_audio_end_ms", truncateAt < 0 ? null : truncateAt);
    d.emit(EventType.SESSION_INTERRUPTED, payload, t);
    if (r.sidebandOpen()) {
      d.effect(new Effect.CancelUpstream(i.id, rid));
    }
    applied(s, d);
    move(s, d, Phase.CANCELLING, "interrupt", t);
    d.reply(interruptReply(s, "applied", i, r.interruptId()));
  }

  private Map<String, Object> interruptReply(SessionState s, String outcome, Interrupt i, String interruptId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", "interrupt");
    m.put("outcome", outcome);
    m.put("phase", s.phase.name());
    m.put("interrupt_id", interruptId);
    if (i != null) {
      m.put("response_id", i.responseId);
      m.put("item_id", i.itemId);
      m.put("audio_end_ms", i.audioEndMs);
      m.put("delivered_audio_ms", i.deliveredMs < 0 ? null : i.deliveredMs);
      // null: the item had no delivered audio (or is unknown), so no truncate, only the cancel
      m.put("truncate_audio_end_ms", i.truncateAtMs < 0 ? null : i.truncateAtMs);
      m.put("phase_before", i.phaseBefore.name());
      m.put("sideband_cancel", i.server == Interrupt.Delivery.SENT);
      m.put("deadline_ms", i.deadlineMs);
    }
    return m;
  }

  private void acknowledge(SessionState s, Decision d, String cause, long t) {
    Interrupt i = s.interrupt;
    s.interrupt = null;
    s.counters[Counter.INTERRUPTS_RECOVERED.ordinal()]++;
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("interrupt_id", i.id);
    payload.put("duration_ms", Math.max(0, t - i.startedAtMs));
    d.emit(EventType.SESSION_INTERRUPT_RECOVERED, payload, t);
    move(s, d, Phase.LISTENING, cause, t);
  }

  private void interruptFailed(SessionState s, Decision d, String reason, long t) {
    closeInterruptAsFailed(s, d, reason, t);
    recovering(s, d, reason, t);
  }

  private void closeInterruptAsFailed(SessionState s, Decision d, String reason, long t) {
    Interrupt i = s.interrupt;
    if (i == null) {
      return;
    }
    s.interrupt = null;
    s.counters[Counter.INTERRUPTS_FAILED.ordinal()]++;
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("interrupt_id", i.id);
    payload.put("reason", reason);
    d.emit(EventType.SESSION_INTERRUPT_RECOVERY_FAILED, payload, t);
  }

  private void sidebandCancelFailed(SessionState s, Input.SidebandCancelFailed f, Decision d) {
    Interrupt i = s.interrupt;
    if (s.phase != Phase.CANCELLING || i == null || !i.id.equals(f.interruptId())) {
      d.outcome(Decision.Outcome.NOTHING, "the interrupt is no longer open");
      return;
    }
    i.server = Interrupt.Delivery.FAILED;
    applied(s, d);
    if (i.client == Interrupt.Delivery.FAILED) {
      interruptFailed(s, d, "cancel_not_sent", Math.max(f.atMs(), s.eventTimeMs));
    }
  }

  // ---- recovery ----

  private void recover(SessionState s, Input.RecoveryRequest r, Decision d) {
    if (s.phase != Phase.ENDED) {
      advance(s, r.atMs(), d);
    }
    if (s.phase == Phase.ENDED) {
      refuse(s, d, "the session has ended");
      Map<String, Object> reply = new LinkedHashMap<>();
      reply.put("kind", "recovery");
      reply.put("outcome", "refused");
      reply.put("phase", s.phase.name());
      d.reply(reply);
      return;
    }
    long t = Math.max(r.atMs(), s.eventTimeMs);
    s.lastActivityMs = Math.max(s.lastActivityMs, r.atMs());
    s.secretExpiresAt(r.secretExpiresAtMs());
    RecoveryPlan plan = RecoveryPlan.plan(r.reason(), s.secretExpiresAtMs, r.wallMs(), settings.rotationLeadMs());
    // a recovery supersedes an interrupt still waiting for its acknowledgement
    closeInterruptAsFailed(s, d, "recovery_requested", t);
    s.counters[(RecoveryPlan.TRANSPORT.equals(plan.recoveryClass()) ? Counter.RECONNECTS_TRANSPORT
        : Counter.RECONNECTS_SESSION).ordinal()]++;
    Map<String, Object> reconnect = new LinkedHashMap<>();
    reconnect.put("class", plan.recoveryClass());
    reconnect.put("reason", plan.reason());
    d.emit(EventType.SESSION_RECONNECT, reconnect, t);
    if (plan.iceRestart()) {
      Map<String, Object> ice = new LinkedHashMap<>();
      ice.put("reason", plan.reason());
      d.emit(EventType.SESSION_ICE_RESTART, ice, t);
    }
    if (RecoveryPlan.SESSION.equals(plan.recoveryClass())) {
      // the advice was given and taken: the next session starts with clean ordering
      s.orderBroken = null;
    }
    applied(s, d);
    recovering(s, d, plan.reason(), t);
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("kind", "recovery");
    reply.put("outcome", "applied");
    reply.put("phase", s.phase.name());
    reply.put("plan", plan.toMap());
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("lines", plan.replaySummary() ? s.summary.toList() : List.of());
    summary.put("text", plan.replaySummary() ? s.summary.render() : "");
    summary.put("chars", plan.replaySummary() ? s.summary.chars() : 0);
    summary.put("max_chars", s.summary.maxChars());
    reply.put("summary", summary);
    d.reply(reply);
  }

  // ---- shared moves ----

  private void recovering(SessionState s, Decision d, String cause, long t) {
    s.recoveryCause = cause;
    if (s.responseId != null) {
      // the response in flight is abandoned: its late events must not revive it
      s.cancelledResponses.add(s.responseId);
      forgetResponse(s);
    }
    s.speechStoppedAtMs = -1;
    move(s, d, Phase.RECOVERING, cause, t);
  }

  private void end(SessionState s, Decision d, String reason, long t) {
    closeInterruptAsFailed(s, d, "session_ended", t);
    s.endedAtMs = t;
    s.endReason = reason;
    forgetResponse(s);
    clearHeld(s);
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("reason", reason);
    payload.put("turns", s.turn);
    move(s, d, Phase.ENDED, reason, t);
    d.emit(EventType.SESSION_ENDED, payload, t);
    d.effect(new Effect.CloseSideband());
  }

  private void move(SessionState s, Decision d, Phase to, String cause, long t) {
    Phase from = s.phase;
    if (from == to) {
      return;
    }
    s.phase = to;
    if (to == Phase.THINKING) {
      s.thinkingDeadlineMs = t + settings.thinkingTimeoutMs();
    } else {
      s.thinkingDeadlineMs = -1;
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("from", from.name());
    payload.put("to", to.name());
    payload.put("cause", cause);
    payload.put("turn", s.turn);
    d.emit(EventType.SESSION_PHASE_CHANGED, payload, t);
  }

  /** No current response any more (or a new one): its ids and its audio measure go. */
  private static void forgetResponse(SessionState s) {
    s.responseId = null;
    s.itemId = null;
    s.audioStartedAtMs = -1;
    s.audioStoppedAtMs = -1;
  }

  private void applied(SessionState s, Decision d) {
    s.counters[Counter.EVENTS_APPLIED.ordinal()]++;
    d.outcome(APPLIED, null);
  }

  private void refuse(SessionState s, Decision d, String why) {
    s.counters[Counter.REFUSED.ordinal()]++;
    d.outcome(REFUSED, why);
  }

  private void duplicate(SessionState s, Decision d, String why) {
    s.counters[Counter.DUPLICATES.ordinal()]++;
    d.outcome(DUPLICATE, why);
  }
}
