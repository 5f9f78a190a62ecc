package dev.rtvoice.sessions.api;

import dev.rtvoice.common.handle.HandleRejectedException;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.http.ApiException;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Optional;

/**
 * Who is calling. Clients present their session's rotation token ({@code Authorization: Bearer rt1...},
 * issued by token-service, verified with the shared {@code SESSION_HANDLE_KEY}); the operator console
 * presents {@code OPERATOR_TOKEN}. Answers: no credential 401 {@code unauthenticated}; a malformed or
 * forged token 401 {@code invalid_token}; an expired one 401 {@code session_expired}; a valid token of
 * another session 403 {@code forbidden}. Token contents never appear in an answer or a log. A token
 * verified once is remembered ({@link VerifiedTokens}: same string, expiry checked on each use).
 */
final class Authenticator {
  private static final String BEARER = "bearer ";

  private final VerifiedTokens handles;
  private final Optional<byte[]> operatorToken;
  private final boolean devMode;

  Authenticator(SessionHandleCodec handles, Clock clock, Optional<String> operatorToken, boolean devMode) {
    this.handles = new VerifiedTokens(handles, clock, VerifiedTokens.DEFAULT_MAX_TOKENS);
    this.operatorToken = operatorToken.map(t -> t.getBytes(StandardCharsets.UTF_8));
    this.devMode = devMode;
  }

  /** The caller's handle, which must be for {@code sessionId}. */
  SessionHandle session(RoutingContext ctx, String sessionId) {
    String token = bearer(ctx);
    SessionHandle handle = verify(token);
    if (!handle.sessionId().equals(sessionId)) {
      throw new ApiException(403, "forbidden", "the rotation token is for another session");
    }
    return handle;
  }

  /** A reader of {@code sessionId}: its own client, or the operator. */
  void reader(RoutingContext ctx, String sessionId) {
    String token = bearerOrNull(ctx);
    if (token != null && token.startsWith("rt1.")) {
      session(ctx, sessionId);
      return;
    }
    operator(ctx, token);
  }

  /** The operator console (all sessions). */
  void operator(RoutingContext ctx) {
    operator(ctx, bearerOrNull(ctx));
  }

  private void operator(RoutingContext ctx, String token) {
    if (operatorToken.isEmpty()) {
      if (devMode) {
        return;
      }
      if (token == null) {
        throw new ApiException(401, "unauthenticated", "a rotation token or the operator token is required");
      }
      throw new ApiException(403, "forbidden", "operator access is not configured (OPERATOR_TOKEN)");
    }
    if (token == null) {
      throw new ApiException(401, "unauthenticated", "a rotation token or the operator token is required");
    }
    if (!MessageDigest.isEqual(operatorToken.get(), token.getBytes(StandardCharsets.UTF_8))) {
      throw new ApiException(401, "invalid_token", "the bearer token is not valid");
    }
  }

  private SessionHandle verify(String token) {
    try {
      return handles.verify(token);
    } catch (HandleRejectedException e) {
      if (e.reason() == HandleRejectedException.Reason.EXPIRED) {
        throw new ApiException(401, "session_expired", "the rotation token has expired: start a new session");
      }
      throw new ApiException(401, "invalid_token", "the rotation token is not valid");
    }
  }

  private static String bearer(RoutingContext ctx) {
    String token = bearerOrNull(ctx);
    if (token == null) {
      throw new ApiException(401, "unauthenticated", "Authorization: Bearer <rotation_token> is required");
    }
    return token;
  }

  private static String bearerOrNull(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String token = header.substring(BEARER.length()).trim();
    return token.isEmpty() ? null : token;
  }
}
