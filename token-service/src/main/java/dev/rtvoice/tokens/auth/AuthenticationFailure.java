package dev.rtvoice.tokens.auth;

/**
 * A caller that could not be authenticated. The message is safe to return to the caller: it says
 * what was wrong with the token (expired, wrong issuer) but never echoes the token or a key.
 */
public final class AuthenticationFailure extends RuntimeException {
  public AuthenticationFailure(String message) {
    super(message, null, false, false);
  }
}
