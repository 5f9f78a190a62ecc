package dev.rtvoice.sessions.domain;

/**
 * PENDING_INTERRUPT's facts: when the user's speech over the assistant started, and stopped (-1: not
 * yet). Allocated only while a session is pending, so an idle session pays one null reference.
 */
final class PendingSpeech {
  final long startedAtMs;
  long stoppedAtMs = -1;

  PendingSpeech(long startedAtMs) {
    this.startedAtMs = startedAtMs;
  }

  PendingSpeech copy() {
    PendingSpeech c = new PendingSpeech(startedAtMs);
    c.stoppedAtMs = stoppedAtMs;
    return c;
  }
}
