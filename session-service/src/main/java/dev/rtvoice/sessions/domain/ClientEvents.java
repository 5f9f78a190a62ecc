package dev.rtvoice.sessions.domain;

import dev.rtvoice.common.event.payload.SessionIceFailedPayload;

/**
 * The client's own reports ({@code client.*}): its connection to upstream (which also tells the
 * service the call id its sideband attaches to), playback, ICE and network, a cancel it could not
 * send, and the end of the session.
 */
final class ClientEvents {
  private final Moves moves;
  private final Calls calls;

  ClientEvents(Moves moves, Calls calls) {
    this.moves = moves;
    this.calls = calls;
  }

  void apply(SessionState s, EventSummary e, Decision d) {
    long t = e.occurredAtMs();
    switch (e.type()) {
      case CLIENT_CONNECTED, CLIENT_RECONNECTED -> {
        if (e.callId() != null && !e.callId().equals(s.callId)) {
          calls.newCall(s, e, d);
        }
        moves.applied(s, d);
        if (s.phase == Phase.IDLE || s.phase == Phase.RECOVERING) {
          moves.move(s, d, Phase.LISTENING, e.type().wire(), t);
        }
      }
      case CLIENT_PLAYBACK_STOPPED -> {
        s.playedMs = e.playedMs();
        moves.applied(s, d);
      }
      case CLIENT_ICE_STATE -> {
        moves.applied(s, d);
        if ("failed".equals(e.iceState())) {
          s.count(Counter.ICE_FAILURES);
          d.emit(new SessionIceFailedPayload(e.iceState()), t);
        }
      }
      case CLIENT_NETWORK_CHANGED -> {
        s.count(Counter.NETWORK_CHANGES);
        moves.applied(s, d);
      }
      case CLIENT_CANCEL_FAILED -> cancelFailed(s, d, t);
      // liveness only: the client was heard (the owner records when), nothing else changes
      case CLIENT_HEARTBEAT -> moves.applied(s, d);
      case CLIENT_ROLLOVER_FAILED -> calls.clientGaveUp(s, e, d);
      case CLIENT_ENDED -> {
        moves.applied(s, d);
        moves.end(s, d, e.reason() == null ? "client_ended" : e.reason(), t);
      }
      default -> throw new IllegalArgumentException("not a client event: " + e.type());
    }
  }

  /** The client's data-channel cancel did not go out: the interrupt fails if the sideband's did not either. */
  private void cancelFailed(SessionState s, Decision d, long t) {
    if (s.phase != Phase.CANCELLING || s.interrupt == null) {
      moves.refuse(s, d, "no interrupt is cancelling");
      return;
    }
    s.interrupt.client = Interrupt.Delivery.FAILED;
    moves.applied(s, d);
    if (s.interrupt.server != Interrupt.Delivery.SENT) {
      moves.interruptFailed(s, d, "cancel_not_sent", t);
    }
  }
}
