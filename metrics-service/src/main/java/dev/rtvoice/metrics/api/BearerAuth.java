package dev.rtvoice.metrics.api;

import dev.rtvoice.common.handle.HandleRejectedException;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.http.ApiException;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code Authorization: Bearer <rotation_token>}: the session's signed handle, issued by
 * token-service. Missing, malformed or forged: 401 {@code invalid_token}; expired: 401
 * {@code session_expired} (the client needs a new session, not a retry). The token never appears in
 * an error message or a log.
 */
public final class BearerAuth {
  private static final String PREFIX = "Bearer ";

  private final SessionHandleCodec codec;

  public BearerAuth(SessionHandleCodec codec) {
    this.codec = codec;
  }

  public SessionHandle authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || header.length() <= PREFIX.length() || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      throw unauthorized(ctx, "invalid_token", "Authorization: Bearer <rotation_token> is required");
    }
    try {
      return codec.verify(header.substring(PREFIX.length()).trim());
    } catch (HandleRejectedException e) {
      if (e.reason() == HandleRejectedException.Reason.EXPIRED) {
        throw unauthorized(ctx, "session_expired", "the rotation token has expired: start a new session");
      }
      throw unauthorized(ctx, "invalid_token", "the rotation token is not valid");
    }
  }

  private static ApiException unauthorized(RoutingContext ctx, String code, String message) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return new ApiException(401, code, message);
  }
}
