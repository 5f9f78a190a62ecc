package dev.rtvoice.tokens.domain;

import dev.rtvoice.common.handle.SessionHandle;

/**
 * Whether a verified rotation token may rotate this session for this caller: it must be the token
 * of the session in the URL, of the authenticated user, presented from the device it was issued to.
 */
public final class HandleCheck {
  /** The outcome; anything but {@code OK} is a 403. */
  public enum Result { OK, OTHER_SESSION, OTHER_USER, OTHER_DEVICE }

  private HandleCheck() {}

  public static Result check(SessionHandle handle, String pathSessionId, String userId, String deviceId) {
    if (!handle.sessionId().equals(pathSessionId)) {
      return Result.OTHER_SESSION;
    }
    if (!handle.userId().equals(userId)) {
      return Result.OTHER_USER;
    }
    if (!handle.deviceId().equals(deviceId)) {
      return Result.OTHER_DEVICE;
    }
    return Result.OK;
  }
}
