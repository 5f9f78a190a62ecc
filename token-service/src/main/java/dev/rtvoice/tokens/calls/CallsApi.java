package dev.rtvoice.tokens.calls;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.payload.TokenCallCreatedPayload;
import dev.rtvoice.common.handle.HandleRejectedException;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.tokens.api.ApiServices;
import dev.rtvoice.tokens.auth.Caller;
import dev.rtvoice.tokens.config.TokenServiceConfig;
import dev.rtvoice.tokens.domain.HandleCheck;
import dev.rtvoice.tokens.domain.RateLimiter;
import dev.rtvoice.tokens.domain.RotationFamilies;
import dev.rtvoice.tokens.domain.SessionIds;
import dev.rtvoice.tokens.domain.SessionSettings;
import dev.rtvoice.tokens.domain.SessionSettingsPolicy;
import dev.rtvoice.tokens.domain.UpstreamFailure;
import dev.rtvoice.tokens.kafka.DurableWriter;
import dev.rtvoice.tokens.kafka.TokenEvents;
import dev.rtvoice.tokens.metrics.TokenMetrics;
import dev.rtvoice.tokens.upstream.UpstreamFailedException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/realtime/calls}: server-side call creation. The browser posts its SDP offer here
 * with the user's JWT and {@code X-Device-ID} (and, for a session it already has, that session's
 * rotation token); this service creates the call upstream with the API key ({@link UpstreamCalls})
 * and answers with the SDP answer and the call id. The browser never holds an OpenAI credential,
 * and the call id is known server-side: {@code token.call_created} is durable on Kafka before the
 * answer goes out (otherwise the call is hung up and the answer is 503 {@code unavailable}).
 *
 * <p>The same rate limits as issuance apply (the same per-user and per-device buckets: a call costs
 * what a secret costs), with the same {@code token.denied} events.
 */
public final class CallsApi {
  private static final Logger LOG = LoggerFactory.getLogger(CallsApi.class);
  /** How calls are named in metrics and events ({@code operation}). */
  public static final String OPERATION = "call";
  private static final long UNAVAILABLE_RETRY_MS = 2_000;

  private final UpstreamCalls upstream;
  private final SessionHandleCodec codec;
  private final SessionSettingsPolicy policy;
  private final Duration handleGrace;
  private final SessionIds ids;
  private final RateLimiter limiter;
  private final TokenEvents events;
  private final DurableWriter writer;
  private final TokenMetrics metrics;
  private final Clock clock;
  private final RotationFamilies families;

  public CallsApi(UpstreamCalls upstream, SessionHandleCodec codec, SessionSettingsPolicy policy, Duration handleGrace,
                  SessionIds ids, RateLimiter limiter, TokenEvents events, DurableWriter writer, TokenMetrics metrics,
                  Clock clock, RotationFamilies families) {
    this.upstream = upstream;
    this.codec = codec;
    this.policy = policy;
    this.handleGrace = handleGrace;
    this.ids = ids;
    this.limiter = limiter;
    this.events = events;
    this.writer = writer;
    this.metrics = metrics;
    this.clock = clock;
    this.families = families;
  }

  /** One event loop's handler; its upstream client belongs to that event loop's verticle (closed with it). */
  public static CallsApi create(Vertx vertx, TokenServiceConfig config, ApiServices services) {
    return new CallsApi(new UpstreamCalls(vertx, config.upstream(), config.instructions(), config.tools()),
        config.handleCodec(), config.policy(), config.handleGrace(), services.ids(), services.limiter(),
        services.events(), services.writer(), services.metrics(), services.clock(), services.families());
  }

  /** One request's facts; {@code handle} is the session's rotation token when one was given, else null. */
  private record Request(RoutingContext ctx, long startNanos, Caller caller, String deviceId, String sessionId,
                         SessionSettings settings, SessionHandle handle) {}

  /** Called authenticated (caller) and validated against the contract (JSON body with {@code sdp}). */
  public void create(RoutingContext ctx, Caller caller, long startNanos) {
    ValidatedRequest validated = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String deviceId = validated.getHeaders().get("X-Device-ID").getString();
    RequestParameter bodyParameter = validated.getBody();
    JsonObject body = bodyParameter == null || bodyParameter.isNull() ? new JsonObject()
        : bodyParameter.getJsonObject();
    String offer;
    try {
      offer = SdpOffer.check(body.getString("sdp"));
    } catch (SdpOffer.Refused e) {
      if (e.tooLarge()) {
        finish(ctx, startNanos, 413, "payload_too_large", e.getMessage(), null);
      } else {
        finish(ctx, startNanos, 400, "invalid_request", e.getMessage(), new JsonObject().put("field", "sdp"));
      }
      return;
    }
    Request request = session(ctx, startNanos, caller, deviceId, body.getString("rotation_token"));
    if (request == null) {
      return;
    }
    if (writer.knownDown()) {
      unavailable(request, "Kafka, where every call is recorded, is unavailable: retry later");
      return;
    }
    RateLimiter.Decision decision = limiter.acquire(caller.userId(), deviceId);
    if (!decision.allowed()) {
      metrics.rateLimited(decision.scope());
      // a session that would have begun with this call does not exist: its id is in no event
      deny(request.handle() == null ? new Request(ctx, startNanos, caller, deviceId, null, null, null) : request, "rate_limited", decision.scope(), 429, "rate_limited", "too many requests for this "
          + decision.scope(), new JsonObject().put("retry_after_ms", decision.retryAfterMs()), decision.retryAfterMs());
      return;
    }
    upstream.create(offer, request.settings()).onComplete(ar -> {
      if (ar.failed()) {
        failed(request, ar.cause());
      } else {
        record(request, ar.result());
      }
    });
  }

  /**
   * The session the call belongs to: the one named by a valid rotation token of this user and device,
   * or a new one with the server's default settings. Answers the refusal itself and returns null.
   */
  private Request session(RoutingContext ctx, long startNanos, Caller caller, String deviceId, String token) {
    if (token == null) {
      SessionSettings settings = policy.resolve(null, null, null);
      return new Request(ctx, startNanos, caller, deviceId, ids.newId(settings), settings, null);
    }
    Request anonymous = new Request(ctx, startNanos, caller, deviceId, null, null, null);
    SessionHandle handle;
    try {
      handle = codec.verify(token);
    } catch (HandleRejectedException e) {
      boolean expired = e.reason() == HandleRejectedException.Reason.EXPIRED;
      deny(anonymous, expired ? "session_expired" : "unauthenticated", e.reason().name().toLowerCase(), 401,
          "session_expired", (expired ? "the rotation token has expired" : "the rotation token is not valid")
              + ": start a new session", new JsonObject().put("reissue_token", true), -1);
      return null;
    }
    HandleCheck.Result check = HandleCheck.check(handle, handle.sessionId(), caller.userId(), deviceId);
    if (check != HandleCheck.Result.OK) {
      deny(new Request(ctx, startNanos, caller, deviceId, handle.sessionId(), null, null), "forbidden",
          check.name().toLowerCase(), 403, "forbidden", "the rotation token belongs to another "
              + (check == HandleCheck.Result.OTHER_USER ? "user" : "device"), null, -1);
      return null;
    }
    // a session revoked for a reused rotation token makes no more calls, whichever of its tokens is shown;
    // a token replaced by a rotation or refresh (older than the replay grace allows) makes none either
    RotationFamilies.Verdict verdict = families.decide(handle.sessionId(), handle.generation(), clock.millis())
        .verdict();
    if (verdict == RotationFamilies.Verdict.REVOKED) {
      deny(new Request(ctx, startNanos, caller, deviceId, handle.sessionId(), null, null), "session_expired",
          "revoked", 401, "session_expired", "this session was revoked because one of its rotation tokens was used "
              + "twice: start a new session", new JsonObject().put("reissue_token", true), -1);
      return null;
    }
    if (verdict == RotationFamilies.Verdict.REUSED) {
      deny(new Request(ctx, startNanos, caller, deviceId, handle.sessionId(), null, null), "session_expired",
          "superseded", 401, "session_expired", "this rotation token was replaced by a newer one: use the latest, "
              + "or start a new session", new JsonObject().put("reissue_token", true), -1);
      return null;
    }
    var minted = SessionIds.settingsOf(handle.sessionId());
    if (minted.isEmpty() || !policy.stillAllowed(minted.get().model(), minted.get().voice())) {
      deny(new Request(ctx, startNanos, caller, deviceId, handle.sessionId(), null, null), "session_expired",
          minted.isEmpty() ? "unknown_session" : "settings_no_longer_allowed", 401, "session_expired",
          "this session can no longer make calls: start a new session", new JsonObject().put("reissue_token", true),
          -1);
      return null;
    }
    return new Request(ctx, startNanos, caller, deviceId, handle.sessionId(), minted.get(), handle);
  }

  /** The call exists upstream: answered only once its event is durable, else hung up. */
  private void record(Request request, CreatedCall call) {
    metrics.upstream(OPERATION, call.upstreamMs());
    String tenant = request.handle() != null && request.handle().tenantId() != null ? request.handle().tenantId()
        : request.caller().tenantId();
    Instant now = clock.instant();
    EventEnvelope event = events.callCreated(request.sessionId(), now, new TokenCallCreatedPayload(
        request.caller().userId(), request.deviceId(), call.callId(), call.upstreamMs(), request.handle() == null,
        tenant));
    events.publishDurable(event).onComplete(written -> {
      if (written.failed()) {
        hangup(call, "its event could not be recorded");
        unavailable(request, "the call could not be recorded (Kafka unavailable): retry later");
        return;
      }
      if (request.ctx().response().closed()) {
        hangup(call, "the caller left before the answer");
        metrics.request(OPERATION, "caller_gone", System.nanoTime() - request.startNanos());
        return;
      }
      JsonObject body = new JsonObject()
          .put("call_id", call.callId())
          .put("sdp", call.answer())
          .put("session_id", request.sessionId());
      if (request.handle() == null) {
        newSessionHandle(request, tenant, now, body);
      }
      noStore(request.ctx())
          .setStatusCode(201)
          .putHeader("content-type", "application/json")
          .putHeader("location", "/v1/realtime/calls/" + call.callId())
          .end(body.toBuffer());
      metrics.request(OPERATION, "ok", System.nanoTime() - request.startNanos());
      LOG.debug("call {} created for session {} (user {} device {}) in {} ms", call.callId(), request.sessionId(),
          request.caller().userId(), request.deviceId(), call.upstreamMs());
    });
  }

  /**
   * A session begun by its call gets its handle here, as an issuance would give it: the credential for
   * session-service and metrics-service and for its next call, valid for the session's TTL and grace.
   */
  private void newSessionHandle(Request request, String tenant, Instant now, JsonObject body) {
    Instant lifetimeEnd = now.plusSeconds(request.settings().ttlSeconds());
    Instant handleExpiry = SessionHandleCodec.handleExpiry(lifetimeEnd, handleGrace);
    String token = codec.sign(new SessionHandle(request.sessionId(), request.caller().userId(), request.deviceId(), 0,
        now, lifetimeEnd, handleExpiry, tenant));
    body.put("rotation_token", token).put("rotation_token_expires_at", handleExpiry.getEpochSecond());
  }

  private void hangup(CreatedCall call, String why) {
    upstream.hangup(call.callId()).onComplete(ar -> {
      if (ar.succeeded()) {
        LOG.warn("call {} hung up: {}", call.callId(), why);
      } else {
        LOG.error("call {} could not be hung up ({}) after {}: it runs until upstream ends it", call.callId(),
            ar.cause().getMessage(), why);
      }
    });
  }

  /** Upstream failures map as an issuance's do (same codes); see {@link CallRetryPolicy} for what is retried. */
  private void failed(Request request, Throwable cause) {
    if (!(cause instanceof UpstreamFailedException failed)) {
      LOG.error("call creation failed unexpectedly", cause);
      finish(request.ctx(), request.startNanos(), 500, "internal_error", "the call could not be created", null);
      return;
    }
    metrics.upstream(OPERATION, failed.upstreamMs());
    UpstreamFailure failure = failed.failure();
    switch (failure.kind()) {
      case AUTH_REJECTED -> {
        LOG.error("upstream answered HTTP {} to our API key on {}: the key is wrong or revoked", failure.status(),
            OPERATION);
        metrics.upstreamAuthRejected(failure.status());
        events.upstreamRejected(request.sessionId(), failure.status(), OPERATION, request.caller().userId(),
            request.deviceId());
        finish(request.ctx(), request.startNanos(), 502, "upstream_auth_rejected",
            "upstream refused this service's API key (a server-side problem; operators are alerted)", null);
      }
      case RATE_LIMITED -> retryLater(request, 503, "upstream_rate_limited", "upstream is rate-limiting this service",
          failure.retryAfterMs() >= 0 ? failure.retryAfterMs() : 1_000);
      case TIMEOUT, UNREACHABLE -> finish(request.ctx(), request.startNanos(), 504, "upstream_timeout",
          "upstream did not answer in time (" + failed.attempts() + " attempt(s)); no call was confirmed", null);
      // upstream's 400/422 to a call is about what the client sent (the offer: the session part is ours and
      // checked): a client fault, not a server error that would move 5xx rates and alerts
      case REQUEST_REJECTED -> {
        boolean offer = failure.status() == 400 || failure.status() == 422;
        finish(request.ctx(), request.startNanos(), offer ? 400 : 502,
            offer ? "offer_rejected" : "upstream_rejected_request",
            offer ? "upstream refused the SDP offer (HTTP " + failure.status() + "): send the offer of a fresh "
                + "RTCPeerConnection with an audio m-line"
                : "upstream refused the call (HTTP " + failure.status() + ")", null);
      }
      default -> finish(request.ctx(), request.startNanos(), 502, "upstream_error",
          "upstream failed (" + failed.attempts() + " attempt(s))", null);
    }
    LOG.warn("call for user {} device {} failed after {} attempt(s) in {} ms: {}", request.caller().userId(),
        request.deviceId(), failed.attempts(), failed.upstreamMs(), failed.getMessage());
  }

  private void unavailable(Request request, String message) {
    retryLater(request, 503, "unavailable", message, UNAVAILABLE_RETRY_MS);
  }

  private void deny(Request request, String reason, String detail, int status, String code, String message,
                    JsonObject details, long retryAfterMs) {
    metrics.denied(reason);
    events.denied(request.sessionId(), reason, request.caller().userId(), request.deviceId(), OPERATION, detail);
    if (retryAfterMs >= 0) {
      request.ctx().response().putHeader("Retry-After", Long.toString(Math.max(1, (retryAfterMs + 999) / 1000)));
    }
    finish(request.ctx(), request.startNanos(), status, code, message, details);
  }

  private void retryLater(Request request, int status, String code, String message, long retryAfterMs) {
    long ms = Math.max(0, retryAfterMs);
    request.ctx().response().putHeader("Retry-After", Long.toString(Math.max(1, (ms + 999) / 1000)));
    finish(request.ctx(), request.startNanos(), status, code, message, new JsonObject().put("retry_after_ms", ms));
  }

  private void finish(RoutingContext ctx, long startNanos, int status, String code, String message,
                      JsonObject details) {
    noStore(ctx);
    JsonErrors.send(ctx, status, code, message, details);
    metrics.request(OPERATION, code, System.nanoTime() - startNanos);
  }

  private static io.vertx.core.http.HttpServerResponse noStore(RoutingContext ctx) {
    return ctx.response().putHeader("Cache-Control", "no-store").putHeader("Pragma", "no-cache");
  }
}
