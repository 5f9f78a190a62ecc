package dev.rtvoice.sessions.domain;

/** Where a voice session is in its turn cycle; the session-service README has its transition matrix. */
public enum Phase {
  IDLE, LISTENING, THINKING, SPEAKING,
  /**
   * The user started speaking over the assistant and a false-interruption policy is set: the response
   * goes on (the client ducks its playback) until the speech proves long enough to cancel it
   * (CANCELLING) or ends as a cough or a backchannel (back to SPEAKING).
   */
  PENDING_INTERRUPT,
  CANCELLING, RECOVERING, ENDED;

  /** A response exists that an interrupt can cancel. */
  public boolean interruptible() {
    return this == SPEAKING || this == THINKING || this == PENDING_INTERRUPT;
  }

  public static Phase parse(String name) {
    try {
      return valueOf(name);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("unknown phase '" + name + "'");
    }
  }
}
