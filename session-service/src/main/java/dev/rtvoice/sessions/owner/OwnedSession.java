package dev.rtvoice.sessions.owner;

import dev.rtvoice.sessions.domain.SessionState;

/**
 * A session this instance owns, with its event-time clock's anchor: {@code anchorWallMs} is the wall
 * time at which the session's event time was last set. While the session is quiet, its event time is
 * taken to run with the wall clock from there (see {@link SessionOwnerVerticle}).
 */
final class OwnedSession {
  SessionState state;
  long anchorWallMs;
  /** The wall time of this session's entry in the deadline queue, or MAX_VALUE if it has none. */
  long scheduledWallMs = Long.MAX_VALUE;
  /**
   * The response whose {@code response.cancel} already went out ahead of the consumer loop (see
   * {@link SessionOwnerVerticle#cancelAhead}), so the machine's own cancel for it is not sent twice.
   */
  String cancelledAhead;

  OwnedSession(SessionState state, long anchorWallMs) {
    this.state = state;
    this.anchorWallMs = anchorWallMs;
  }

  /** The session's event time now, if nothing has happened since it was last set. */
  long eventTimeAt(long wallNowMs) {
    return state.eventTimeMs() + Math.max(0, wallNowMs - anchorWallMs);
  }
}
