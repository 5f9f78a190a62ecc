package dev.rtvoice.sessions.domain;

/** Where a voice session is in its turn cycle; the session-service README has its transition matrix. */
public enum Phase {
  IDLE, LISTENING, THINKING, SPEAKING, CANCELLING, RECOVERING, ENDED;

  /** A response exists that an interrupt can cancel. */
  public boolean interruptible() {
    return this == SPEAKING || this == THINKING;
  }

  public static Phase parse(String name) {
    try {
      return valueOf(name);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("unknown phase '" + name + "'");
    }
  }
}
