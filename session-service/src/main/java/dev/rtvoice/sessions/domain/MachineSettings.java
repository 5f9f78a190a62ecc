package dev.rtvoice.sessions.domain;

/**
 * The rules' knobs, all durations in milliseconds of event time.
 *
 * @param thinkingTimeoutMs THINKING without a first response event (default 8 s)
 * @param cancelAckTimeoutMs CANCELLING without an acknowledgement (default 1.5 s)
 * @param gapTimeoutMs how long a gap in the client's sequence may stay open (default 2 s)
 * @param maxHeld how many events past a gap are held before ordering counts as broken (default 32)
 * @param summaryMaxChars the replay summary's character budget (default 2000)
 * @param rotationLeadMs a transport plan rotates first when the secret expires within this (30 s)
 * @param idleTimeoutMs a session with no event for this long is ended (default 30 min)
 * @param retentionMs an ended session is tombstoned after this (default 1 h)
 * @param interruptMinSpeechMs false-interruption policy: speech over the assistant cancels it only
 *     once it lasted this long (0: no minimum duration)
 * @param interruptMinWords false-interruption policy: ... and only if its transcript has at least this
 *     many words (0: no transcript needed). Both 0 (the default): no policy, no PENDING_INTERRUPT
 * @param interruptTranscriptWaitMs with a minimum of words: how long after the speech stopped its
 *     transcript is awaited before the speech counts as a false interruption (default 2 s)
 * @param calls the upstream call's age, hand-over deadline, liveness grace and duration budget
 */
public record MachineSettings(
    long thinkingTimeoutMs,
    long cancelAckTimeoutMs,
    long gapTimeoutMs,
    int maxHeld,
    int summaryMaxChars,
    long rotationLeadMs,
    long idleTimeoutMs,
    long retentionMs,
    long interruptMinSpeechMs,
    int interruptMinWords,
    long interruptTranscriptWaitMs,
    CallLimits calls) {

  public static final long DEFAULT_TRANSCRIPT_WAIT_MS = 2_000;

  public static MachineSettings defaults() {
    return new MachineSettings(8_000, 1_500, 2_000, 32, 2_000, 30_000, 30 * 60_000L, 3_600_000L);
  }

  /** Without a false-interruption policy. */
  public MachineSettings(long thinkingTimeoutMs, long cancelAckTimeoutMs, long gapTimeoutMs, int maxHeld,
                         int summaryMaxChars, long rotationLeadMs, long idleTimeoutMs, long retentionMs) {
    this(thinkingTimeoutMs, cancelAckTimeoutMs, gapTimeoutMs, maxHeld, summaryMaxChars, rotationLeadMs, idleTimeoutMs,
        retentionMs, 0, 0, DEFAULT_TRANSCRIPT_WAIT_MS);
  }

  /** With the default call limits. */
  public MachineSettings(long thinkingTimeoutMs, long cancelAckTimeoutMs, long gapTimeoutMs, int maxHeld,
                         int summaryMaxChars, long rotationLeadMs, long idleTimeoutMs, long retentionMs,
                         long interruptMinSpeechMs, int interruptMinWords, long interruptTranscriptWaitMs) {
    this(thinkingTimeoutMs, cancelAckTimeoutMs, gapTimeoutMs, maxHeld, summaryMaxChars, rotationLeadMs, idleTimeoutMs,
        retentionMs, interruptMinSpeechMs, interruptMinWords, interruptTranscriptWaitMs, CallLimits.DEFAULTS);
  }

  public MachineSettings {
    if (calls == null) {
      throw new IllegalArgumentException("call limits are required");
    }
    if (thinkingTimeoutMs < 1 || cancelAckTimeoutMs < 1 || gapTimeoutMs < 1 || maxHeld < 1 || summaryMaxChars < 1
        || rotationLeadMs < 0 || idleTimeoutMs < 1 || retentionMs < 0 || interruptMinSpeechMs < 0
        || interruptMinWords < 0 || interruptTranscriptWaitMs < 1) {
      throw new IllegalArgumentException("machine settings out of range");
    }
  }

  /** These settings with a false-interruption policy. */
  public MachineSettings withInterruptPolicy(long minSpeechMs, int minWords, long transcriptWaitMs) {
    return new MachineSettings(thinkingTimeoutMs, cancelAckTimeoutMs, gapTimeoutMs, maxHeld, summaryMaxChars,
        rotationLeadMs, idleTimeoutMs, retentionMs, minSpeechMs, minWords, transcriptWaitMs, calls);
  }

  /** These settings with other call limits. */
  public MachineSettings withCallLimits(CallLimits limits) {
    return new MachineSettings(thinkingTimeoutMs, cancelAckTimeoutMs, gapTimeoutMs, maxHeld, summaryMaxChars,
        rotationLeadMs, idleTimeoutMs, retentionMs, interruptMinSpeechMs, interruptMinWords, interruptTranscriptWaitMs,
        limits);
  }

  /** Whether speech over the assistant is weighed (PENDING_INTERRUPT) before it may cancel it. */
  public boolean falseInterruptionPolicy() {
    return interruptMinSpeechMs > 0 || interruptMinWords > 0;
  }
}
