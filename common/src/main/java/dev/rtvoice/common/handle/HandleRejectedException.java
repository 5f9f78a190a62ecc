package dev.rtvoice.common.handle;

/** A rotation token that cannot be used, and why: the caller answers 401 either way. */
public final class HandleRejectedException extends RuntimeException {
  /** Why a handle was refused; {@code EXPIRED} tells the client to start a new session. */
  public enum Reason { MALFORMED, FORGED, EXPIRED }

  private final Reason reason;

  public HandleRejectedException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
