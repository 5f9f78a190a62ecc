package dev.rtvoice.sessions.domain;

/**
 * The user's side of a turn, as upstream's voice activity detection and transcription report it:
 * {@code input_audio_buffer.speech_started}, {@code speech_stopped}, {@code committed} and the input
 * transcription. The end of the user's speech starts the wait for the response (LISTENING to
 * THINKING) and the inference latency measure. Speech over the assistant goes through the
 * false-interruption policy when one is set ({@link FalseInterruptions}).
 */
final class TurnEvents {
  private final Moves moves;
  private final FalseInterruptions pending;

  TurnEvents(Moves moves, FalseInterruptions pending) {
    this.moves = moves;
    this.pending = pending;
  }

  void apply(SessionState s, EventSummary e, Decision d) {
    long t = e.occurredAtMs();
    switch (e.type()) {
      case SPEECH_STARTED -> {
        s.userSpeaking = true;
        moves.applied(s, d);
        if (s.phase == Phase.SPEAKING && pending.active()) {
          pending.speechStarted(s, d, t);
        }
      }
      case SPEECH_STOPPED, AUDIO_COMMITTED -> {
        int refused = s.counter(Counter.REFUSED);
        speechEnded(s, e, d);
        if (s.counter(Counter.REFUSED) == refused) {
          s.userSpeaking = false;  // applied: the user's speech is over (a refused event changes nothing)
        }
      }
      case INPUT_TRANSCRIPTION_COMPLETED -> {
        s.summary.add(s.turn, BoundedSummary.USER, e.transcript());
        moves.applied(s, d);
        if (s.phase == Phase.PENDING_INTERRUPT) {
          pending.transcribed(s, d, e.transcript(), t);
        }
      }
      default -> throw new IllegalArgumentException("not a turn event: " + e.type());
    }
  }

  private void speechEnded(SessionState s, EventSummary e, Decision d) {
    long t = e.occurredAtMs();

    switch (s.phase) {
      case LISTENING -> {
        s.turn++;
        s.speechStoppedAtMs = t;
        moves.applied(s, d);
        moves.move(s, d, Phase.THINKING, e.type().wire(), t);
      }
      case THINKING -> moves.applied(s, d);
      case CANCELLING -> {
        // the user is already speaking the next turn; its latency starts now
        s.speechStoppedAtMs = t;
        moves.applied(s, d);
      }
      case PENDING_INTERRUPT -> {
        moves.applied(s, d);
        if (e.type() == SummaryType.SPEECH_STOPPED && s.pending.stoppedAtMs < 0) {
          pending.speechStopped(s, d, t);
        }
      }
      // with the policy, speech over the assistant that did not interrupt it (a false interruption's
      // tail) is the user's, not an illegal event
      case SPEAKING -> {
        if (pending.active()) {
          moves.applied(s, d);
        } else {
          moves.refuse(s, d, e.type().wire() + " is not a transition from " + s.phase);
        }
      }
      default -> moves.refuse(s, d, e.type().wire() + " is not a transition from " + s.phase);
    }
  }
}
