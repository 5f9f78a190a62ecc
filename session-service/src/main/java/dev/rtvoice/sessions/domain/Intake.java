package dev.rtvoice.sessions.domain;

import static dev.rtvoice.sessions.domain.Decision.Outcome.DROPPED;
import static dev.rtvoice.sessions.domain.Decision.Outcome.HELD;

import dev.rtvoice.sessions.domain.Input.Observed;
import dev.rtvoice.sessions.domain.Input.Source;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How an observed event reaches the rules: client events at most once and in their sequence order
 * (those past a gap held, within the budget of {@link StateBudget}), an upstream event once whether
 * the client reported it or the sideband received it (by upstream event id), and the session's
 * clock moved to the event's time first. What is left is handed to the machine's event families.
 */
final class Intake {
  private final MachineSettings settings;
  private final Moves moves;
  private final SessionMachine machine;

  Intake(MachineSettings settings, Moves moves, SessionMachine machine) {
    this.settings = settings;
    this.moves = moves;
    this.machine = machine;
  }

  void observe(SessionState s, Observed o, Decision d) {
    EventSummary e = o.summary();
    if (s.phase == Phase.ENDED) {
      moves.refuse(s, d, "the session has ended");
      return;
    }
    if (o.source() == Source.SIDEBAND) {
      applyInOrder(s, e, Source.SIDEBAND, d);
      return;
    }
    if (e.seq() <= s.lastAckSeq) {
      moves.duplicate(s, d, "sequence " + e.seq() + " is not newer than " + s.lastAckSeq);
      return;
    }
    if (e.seq() > s.lastAckSeq + 1) {
      if (s.held != null && s.held.stream().anyMatch(h -> h.seq() == e.seq())) {
        moves.duplicate(s, d, "sequence " + e.seq() + " is already held");
        return;
      }
      // time passes whatever the order of the reports; a gap may break (and release) here
      machine.advance(s, e.occurredAtMs(), d);
      if (s.phase == Phase.ENDED) {
        moves.refuse(s, d, "the session has ended");
        return;
      }
      if (e.seq() <= s.lastAckSeq) {
        moves.duplicate(s, d, "sequence " + e.seq() + " is not newer than " + s.lastAckSeq);
        return;
      }
      if (e.seq() > s.lastAckSeq + 1) {
        hold(s, e, d);
        return;
      }
    }
    applyInOrder(s, e, Source.CLIENT, d);
    releaseHeld(s, d);
  }

  /**
   * The gap will not fill: ordering is broken. The service does not guess what was lost; it flags the
   * session (the next client call gets the session-class advice) and applies what it holds in
   * sequence order, past the gap, so nothing accepted is silently dropped.
   */
  void breakOrder(SessionState s, Decision d, String reason) {
    if (s.orderBroken == null) {
      s.orderBroken = reason;
    }
    s.count(Counter.ORDER_BROKEN);
    List<EventSummary> held = s.held == null ? List.of() : s.held;
    Moves.clearHeld(s);
    for (EventSummary e : held) {
      if (s.phase == Phase.ENDED) {
        s.count(Counter.REFUSED);
        continue;
      }
      if (e.seq() <= s.lastAckSeq) {
        s.count(Counter.DUPLICATES);
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
        moves.duplicate(s, d, "upstream event " + e.eventId() + " was applied already");
        return;
      }
      s.seenUpstream.add(e.eventId());
    }
    machine.advance(s, e.occurredAtMs(), d);
    if (s.phase == Phase.ENDED) {
      moves.refuse(s, d, "the session has ended");
      return;
    }
    s.lastActivityMs = Math.max(s.lastActivityMs, e.occurredAtMs());
    if (e.conversationId() != null) {
      s.conversationId = e.conversationId();
    }
    machine.route(s, e, d);
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
    s.count(Counter.HELD_OUT_OF_ORDER);
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
    Moves.clearHeld(s);
    s.lastAckSeq = last.seq();
    s.lastAckEventId = last.eventId() != null ? last.eventId() : "seq:" + last.seq();
    s.count(Counter.HELD_DROPPED, dropped);
    s.count(Counter.ORDER_BROKEN);
    if (s.orderBroken == null) {
      s.orderBroken = "held_overflow";
    }
    d.outcome(DROPPED, dropped + " events past a gap exceed the held budget (" + settings.maxHeld() + " events, "
        + StateBudget.HELD_MAX_BYTES + " bytes): dropped");
    d.dropped(dropped);
    moves.closeInterruptAsFailed(s, d, "event_order_broken", s.eventTimeMs);
    moves.recovering(s, d, "event_order_broken", s.eventTimeMs);
  }

  /** Applies the held events that now follow the watermark without a gap. */
  private void releaseHeld(SessionState s, Decision d) {
    while (s.held != null && !s.held.isEmpty() && s.phase != Phase.ENDED) {
      EventSummary next = s.held.get(0);
      if (next.seq() <= s.lastAckSeq) {
        s.held.remove(0);
        s.heldBytes -= next.jsonBytes();
        s.count(Counter.DUPLICATES);
      } else if (next.seq() == s.lastAckSeq + 1) {
        s.held.remove(0);
        s.heldBytes -= next.jsonBytes();
        applyInOrder(s, next, Source.CLIENT, d);
      } else {
        break;
      }
    }
    if (s.held != null && s.held.isEmpty()) {
      Moves.clearHeld(s);
    }
  }
}
