package dev.rtvoice.sessions.domain;

import dev.rtvoice.common.event.payload.SessionFalseInterruptionPayload;

/**
 * The false-interruption policy ({@code INTERRUPT_MIN_SPEECH_MS}, {@code INTERRUPT_MIN_WORDS}): speech
 * over the assistant (SPEAKING) does not cancel the response at once but makes the session
 * PENDING_INTERRUPT, while the response goes on (upstream's server VAD with
 * {@code interrupt_response: false}; the client ducks its playback). The interrupt is committed
 * (CANCELLING, the cancel sent on the sideband) once the speech lasted the minimum duration and its
 * transcript has the minimum of words, each when set. Speech that stops shorter, a transcript with
 * fewer words, or no transcript within {@code INTERRUPT_TRANSCRIPT_WAIT} is a false interruption: back
 * to SPEAKING, {@code session.false_interruption} emitted, {@code false_interruptions} counted.
 */
final class FalseInterruptions {
  private final MachineSettings settings;
  private final Moves moves;
  private final Interrupts interrupts;

  FalseInterruptions(MachineSettings settings, Moves moves, Interrupts interrupts) {
    this.settings = settings;
    this.moves = moves;
    this.interrupts = interrupts;
  }

  boolean active() {
    return settings.falseInterruptionPolicy();
  }

  /** SPEAKING, speech started: weigh it before cancelling anything. */
  void speechStarted(SessionState s, Decision d, long t) {
    moves.move(s, d, Phase.PENDING_INTERRUPT, SummaryType.SPEECH_STARTED.wire(), t);
    s.pending = new PendingSpeech(t);
  }

  /** PENDING_INTERRUPT, speech stopped (the event itself is applied by the caller). */
  void speechStopped(SessionState s, Decision d, long t) {
    long speechMs = Math.max(0, t - s.pending.startedAtMs);
    if (speechMs < settings.interruptMinSpeechMs()) {
      resume(s, d, "too_short", -1, t);
    } else if (settings.interruptMinWords() > 0) {
      s.pending.stoppedAtMs = t;  // long enough: its words decide
    } else {
      commit(s, d, t);
    }
  }

  /** PENDING_INTERRUPT, the transcript of the speech (after it stopped) decides. */
  void transcribed(SessionState s, Decision d, String transcript, long t) {
    if (s.pending.stoppedAtMs < 0 || settings.interruptMinWords() == 0) {
      return;
    }
    int words = words(transcript);
    if (words >= settings.interruptMinWords()) {
      commit(s, d, t);
    } else {
      resume(s, d, "too_few_words", words, t);
    }
  }

  /** The speech passed the policy: the interrupt is committed. */
  void commit(SessionState s, Decision d, long t) {
    interrupts.commitFromSpeech(s, d, t);
  }

  /** A false interruption: the response goes on, the client restores its playback. */
  void resume(SessionState s, Decision d, String reason, int words, long t) {
    long stoppedAt = s.pending.stoppedAtMs >= 0 ? s.pending.stoppedAtMs : t;
    long speechMs = Math.max(0, stoppedAt - s.pending.startedAtMs);
    s.count(Counter.FALSE_INTERRUPTIONS);
    d.emit(new SessionFalseInterruptionPayload(s.responseId, speechMs, words < 0 ? null : words, reason), t);
    moves.move(s, d, Phase.SPEAKING, "false_interruption", t);
  }

  /** Words as a listener counts them: runs of letters or digits, joined by - or ' ("uh-huh" and "don't" are one). */
  static int words(String transcript) {
    if (transcript == null) {
      return 0;
    }
    int count = 0;
    boolean inWord = false;
    for (int i = 0; i < transcript.length(); ) {
      int cp = transcript.codePointAt(i);
      boolean letter = Character.isLetterOrDigit(cp) || inWord && (cp == '-' || cp == '\'');
      if (letter && !inWord) {
        count++;
      }
      inWord = letter;
      i += Character.charCount(cp);
    }
    return count;
  }
}
