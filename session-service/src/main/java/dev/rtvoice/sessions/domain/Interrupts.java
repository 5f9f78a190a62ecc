package dev.rtvoice.sessions.domain;

import static dev.rtvoice.sessions.domain.Decision.Outcome.DUPLICATE;

import dev.rtvoice.common.event.payload.SessionInterruptRecoveredPayload;
import dev.rtvoice.common.event.payload.SessionInterruptedPayload;
import dev.rtvoice.sessions.domain.Decision.Effect;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The interrupt transaction: {@code POST /interrupt} cancels the current response (CANCELLING, with
 * the truncate clamped to the audio delivered), upstream's acknowledgement closes it (LISTENING), and
 * it fails when no path carried the cancel (the sideband's failure reported here, the client's in
 * {@link ClientEvents}) or its deadline passes ({@link Timers}).
 */
final class Interrupts {
  /** Ids of the interrupts the service commits from the user's speech (false-interruption policy). */
  static final String SPEECH_PREFIX = "int_speech_";

  private final MachineSettings settings;
  private final Moves moves;
  private final SessionMachine machine;

  Interrupts(MachineSettings settings, Moves moves, SessionMachine machine) {
    this.settings = settings;
    this.moves = moves;
    this.machine = machine;
  }

  void interrupt(SessionState s, Input.InterruptRequest r, Decision d) {
    if (r.interruptId().equals(s.lastInterruptId)) {
      s.count(Counter.DUPLICATES);
      d.outcome(DUPLICATE, "interrupt " + r.interruptId() + " was applied already");
      d.reply(reply(s, "duplicate", s.interrupt != null && s.interrupt.id.equals(r.interruptId())
          ? s.interrupt : null, r.interruptId()));
      return;
    }
    if (s.phase != Phase.ENDED) {
      machine.advance(s, r.atMs(), d);
    }
    if (committedFromSpeech(s, r)) {
      // the client's policy reached the same verdict as the service's: one interrupt, answered to both
      moves.duplicate(s, d, "interrupt " + s.interrupt.id + " was committed from the user's speech already");
      d.reply(reply(s, "duplicate", s.interrupt, r.interruptId()));
      return;
    }
    if (!s.phase.interruptible()) {
      moves.refuse(s, d, "nothing to interrupt in " + s.phase);
      d.reply(reply(s, "refused", null, r.interruptId()));
      return;
    }
    s.lastActivityMs = Math.max(s.lastActivityMs, r.atMs());
    Interrupt i = open(s, d, r.interruptId(), Math.max(r.atMs(), s.eventTimeMs), r.audioEndMs(), r.clientResponseId(),
        r.clientItemId(), r.sidebandOpen(), "interrupt");
    moves.applied(s, d);
    d.reply(reply(s, "applied", i, r.interruptId()));
  }

  /** The open interrupt is the one the service committed from the speech, of the response the client names. */
  private static boolean committedFromSpeech(SessionState s, Input.InterruptRequest r) {
    return s.phase == Phase.CANCELLING && s.interrupt != null && s.interrupt.id.startsWith(SPEECH_PREFIX)
        && (r.clientResponseId() == null || r.clientResponseId().equals(s.interrupt.responseId));
  }

  /**
   * The service commits the interrupt itself: the user's speech over the assistant passed the
   * false-interruption policy. Nobody reported what was played, so the truncate is what was
   * delivered; the sideband carries the cancel when the session has a call.
   */
  void commitFromSpeech(SessionState s, Decision d, long t) {
    long delivered = Truncation.deliveredMs(s.audioStartedAtMs, s.audioStoppedAtMs, t);
    String id = SPEECH_PREFIX + s.turn + "_" + s.pending.startedAtMs;
    open(s, d, id, t, Math.max(0, delivered), null, null, s.callId != null, "speech_committed");
  }

  private Interrupt open(SessionState s, Decision d, String interruptId, long t, long audioEndMs,
                         String clientResponseId, String clientItemId, boolean sidebandOpen, String cause) {
    String rid = s.responseId;
    String item = s.itemId;
    if (rid == null && clientResponseId != null && !s.cancelledResponses.contains(clientResponseId)
        && !s.doneResponses.contains(clientResponseId)) {
      // the client plays a response whose report has not reached the service yet
      rid = clientResponseId;
      item = clientItemId;
    } else if (item == null && rid != null && rid.equals(clientResponseId)) {
      item = clientItemId;
    }
    // only the audio of the response the service follows was measured; one it has not heard of has none
    long delivered = rid != null && rid.equals(s.responseId)
        ? Truncation.deliveredMs(s.audioStartedAtMs, s.audioStoppedAtMs, t) : Truncation.NONE;
    long truncateAt = Truncation.truncateAtMs(audioEndMs, item, delivered);
    Phase before = s.phase;
    Interrupt.Delivery server = sidebandOpen ? Interrupt.Delivery.SENT : Interrupt.Delivery.UNAVAILABLE;
    Interrupt i = new Interrupt(interruptId, t, t + settings.cancelAckTimeoutMs(), rid, item, audioEndMs,
        delivered, truncateAt, before, Interrupt.Delivery.UNKNOWN, server);
    if (rid != null) {
      s.cancelledResponses.add(rid);
    }
    s.interrupt = i;
    Moves.forgetResponse(s);
    s.lastInterruptId = interruptId;
    s.count(Counter.INTERRUPTS);
    d.emit(new SessionInterruptedPayload(i.id, rid, before.name(), audioEndMs, delivered < 0 ? null : delivered,
        truncateAt < 0 ? null : truncateAt), t);
    if (sidebandOpen) {
      d.effect(new Effect.CancelUpstream(i.id, rid));
    }
    moves.move(s, d, Phase.CANCELLING, cause, t);
    return i;
  }

  /** Upstream acknowledged the cancel: the interrupt closes and the user has the floor. */
  void acknowledge(SessionState s, Decision d, String cause, long t) {
    Interrupt i = s.interrupt;
    s.interrupt = null;
    s.count(Counter.INTERRUPTS_RECOVERED);
    d.emit(new SessionInterruptRecoveredPayload(i.id, Math.max(0, t - i.startedAtMs)), t);
    moves.move(s, d, Phase.LISTENING, cause, t);
  }

  /** The service could not write the cancel on its sideband: the interrupt fails if the client's failed too. */
  void sidebandCancelFailed(SessionState s, Input.SidebandCancelFailed f, Decision d) {
    Interrupt i = s.interrupt;
    if (s.phase != Phase.CANCELLING || i == null || !i.id.equals(f.interruptId())) {
      d.outcome(Decision.Outcome.NOTHING, "the interrupt is no longer open");
      return;
    }
    i.server = Interrupt.Delivery.FAILED;
    moves.applied(s, d);
    if (i.client == Interrupt.Delivery.FAILED) {
      moves.interruptFailed(s, d, "cancel_not_sent", Math.max(f.atMs(), s.eventTimeMs));
    }
  }

  private static Map<String, Object> reply(SessionState s, String outcome, Interrupt i, String interruptId) {
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
}
