package dev.rtvoice.sessions.domain;

import static dev.rtvoice.sessions.domain.Decision.Outcome.STALE;

import dev.rtvoice.common.event.payload.SessionStaleEventIgnoredPayload;
import dev.rtvoice.sessions.domain.Decision.Effect;

/**
 * Upstream's events about the assistant's side (the response's life from {@code response.created} to
 * {@code response.done}, its audio and transcript) and about the session ({@code session.created},
 * {@code error}, the buffer cleared and the item truncated). An event of a response that was
 * cancelled or done is stale: ignored, counted, reported, and it can never bring SPEAKING back.
 */
final class ResponseEvents {
  static final String RESPONSE_CANCEL_NOT_ACTIVE = "response_cancel_not_active";
  /** Upstream's error at the call's maximum duration (60 minutes), before it closes the call. */
  static final String SESSION_EXPIRED = "session_expired";

  private final MachineSettings settings;
  private final Moves moves;
  private final Interrupts interrupts;
  private final Calls calls;

  ResponseEvents(MachineSettings settings, Moves moves, Interrupts interrupts, Calls calls) {
    this.calls = calls;
    this.settings = settings;
    this.moves = moves;
    this.interrupts = interrupts;
  }

  void apply(SessionState s, EventSummary e, Decision d) {
    switch (e.type()) {
      case SESSION_CREATED, OUTPUT_AUDIO_CLEARED, ITEM_TRUNCATED -> moves.applied(s, d);
      case RESPONSE_CREATED -> {
        if (!stale(s, e, d)) {
          created(s, e, d);
        }
      }
      case OUTPUT_ITEM_ADDED -> {
        if (!stale(s, e, d) && current(s, e, d)) {
          if (e.itemId() != null) {
            s.itemId = e.itemId();
          }
          moves.applied(s, d);
        }
      }
      case OUTPUT_AUDIO_DELTA, AUDIO_DELTA_LEGACY, OUTPUT_AUDIO_STARTED -> {
        if (!stale(s, e, d) && current(s, e, d)) {
          audio(s, e, d);
        }
      }
      case OUTPUT_AUDIO_STOPPED -> {
        // comes after response.done as often as not: for an older response it is no news, not stale
        if (e.responseId().equals(s.responseId) && s.audioStartedAtMs >= 0) {
          long t = e.occurredAtMs();
          s.audioStoppedAtMs = s.audioStoppedAtMs < 0 ? t : Math.min(s.audioStoppedAtMs, t);
        }
        moves.applied(s, d);
      }
      case OUTPUT_AUDIO_DONE -> {
        if (!stale(s, e, d) && current(s, e, d)) {
          moves.applied(s, d);
        }
      }
      case OUTPUT_TRANSCRIPT_DONE, TRANSCRIPT_DONE_LEGACY -> {
        if (!stale(s, e, d) && current(s, e, d)) {
          s.summary.add(s.turn, BoundedSummary.ASSISTANT, e.transcript());
          moves.applied(s, d);
        }
      }
      case RESPONSE_DONE -> done(s, e, d);
      case ERROR -> error(s, e, d);
      default -> throw new IllegalArgumentException("not an upstream response event: " + e.type());
    }
  }

  private void created(SessionState s, EventSummary e, Decision d) {
    long t = e.occurredAtMs();
    String rid = e.responseId();
    switch (s.phase) {
      case LISTENING -> {
        s.turn++;
        Moves.forgetResponse(s);
        s.responseId = rid;
        moves.applied(s, d);
        moves.move(s, d, Phase.THINKING, e.type().wire(), t);
      }
      case THINKING -> {
        if (s.responseId == null) {
          Moves.forgetResponse(s);
          s.responseId = rid;
          // a response started: the wait for its first audio starts again
          s.thinkingDeadlineMs = t + settings.thinkingTimeoutMs();
          moves.applied(s, d);
        } else if (s.responseId.equals(rid)) {
          moves.applied(s, d);
        } else {
          moves.refuse(s, d, "response " + s.responseId + " is still active");
        }
      }
      case CANCELLING -> {
        Interrupt i = s.interrupt;
        if (i != null && i.responseId == null) {
          // interrupted before upstream announced the response: this is the one to cancel
          i.responseId = rid;
          s.cancelledResponses.add(rid);
          moves.applied(s, d);
          if (i.server == Interrupt.Delivery.SENT) {
            d.effect(new Effect.CancelUpstream(i.id, rid));
          }
        } else {
          moves.refuse(s, d, "a response cannot start while an interrupt is cancelling");
        }
      }
      default -> moves.refuse(s, d, "response.created is not a transition from " + s.phase);
    }
  }

  /** First audio of the current response (or more of it): THINKING becomes SPEAKING. */
  private void audio(SessionState s, EventSummary e, Decision d) {
    long t = e.occurredAtMs();
    if (s.itemId == null && e.itemId() != null) {
      s.itemId = e.itemId();
    }
    s.audioStartedAtMs = s.audioStartedAtMs < 0 ? t : Math.min(s.audioStartedAtMs, t);
    moves.applied(s, d);
    if (s.phase == Phase.THINKING) {
      if (s.speechStoppedAtMs >= 0) {
        long value = t - s.speechStoppedAtMs;
        if (value >= 0 && value <= 120_000) {
          d.sample(new Decision.LatencySample("inference", value, s.turn, s.platform, t));
        }
        s.speechStoppedAtMs = -1;
      }
      moves.move(s, d, Phase.SPEAKING, e.type().wire(), t);
    }
  }

  private void done(SessionState s, EventSummary e, Decision d) {
    long t = e.occurredAtMs();
    String rid = e.responseId();
    Interrupt i = s.interrupt;
    if (s.phase == Phase.CANCELLING && i != null && rid.equals(i.responseId)) {
      // the end of the interrupted response: upstream acknowledged (cancelled, or it had just finished)
      moves.applied(s, d);
      interrupts.acknowledge(s, d, "response.done", t);
      return;
    }
    if (stale(s, e, d) || !current(s, e, d)) {
      return;
    }
    Moves.forgetResponse(s);
    // a turn that ended without audio leaves no latency to measure for the next one
    s.speechStoppedAtMs = -1;
    if ("cancelled".equals(e.status())) {
      s.cancelledResponses.add(rid);
    } else {
      s.doneResponses.add(rid);
    }
    moves.applied(s, d);
    if ("failed".equals(e.status()) && s.phase == Phase.THINKING) {
      moves.recovering(s, d, "response_failed", t);
    } else {
      moves.move(s, d, Phase.LISTENING, "response.done", t);
    }
  }

  private void error(SessionState s, EventSummary e, Decision d) {
    long t = e.occurredAtMs();
    if (RESPONSE_CANCEL_NOT_ACTIVE.equals(e.errorCode())) {
      // upstream's answer to a cancel of a response that is no longer active, not a failure: it
      // acknowledges an open interrupt, and says nothing about a response the next turn is waiting
      // for (a late answer to an early cancel must not send that turn to recovery)
      moves.applied(s, d);
      if (s.phase == Phase.CANCELLING) {
        interrupts.acknowledge(s, d, RESPONSE_CANCEL_NOT_ACTIVE, t);
      }
    } else if (SESSION_EXPIRED.equals(e.errorCode())) {
      // upstream's cap: the call is gone, not a fault of this turn; the hand-over plan at once
      calls.sessionExpired(s, d, t);
    } else if (Truncation.isAlreadyShorter(e.errorMessage())) {
      // a truncate past the item's audio was refused: the item keeps its audio, nothing to recover
      s.count(Counter.TRUNCATE_OVERSHOOTS);
      moves.applied(s, d);
    } else {
      s.count(Counter.UPSTREAM_ERRORS);
      moves.applied(s, d);
      if (s.phase == Phase.THINKING) {
        moves.recovering(s, d, "upstream_error", t);
      }
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
    s.count(Counter.STALE_EVENTS);
    d.emit(new SessionStaleEventIgnoredPayload(rid, e.type().wire(), reason), e.occurredAtMs());
    d.outcome(STALE, "response " + rid + " is " + (reason.equals("response_done") ? "done" : "cancelled"));
    return true;
  }

  /**
   * Whether the event is of the current response; one of a response that never started means ordering
   * broke: refused, and the client is advised.
   */
  private boolean current(SessionState s, EventSummary e, Decision d) {
    if (e.responseId().equals(s.responseId)) {
      return true;
    }
    if (s.orderBroken == null) {
      s.orderBroken = "unknown_response";
    }
    s.count(Counter.ORDER_BROKEN);
    moves.refuse(s, d, e.type().wire() + " for response " + e.responseId() + ", which never started");
    return false;
  }
}
