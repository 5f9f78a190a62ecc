package dev.rtvoice.tokens.api;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.handle.HandleRejectedException;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.tokens.auth.Caller;
import dev.rtvoice.tokens.config.TokenServiceConfig;
import dev.rtvoice.tokens.domain.AnswerSeal;
import dev.rtvoice.tokens.domain.HandleCheck;
import dev.rtvoice.tokens.domain.InvalidSettingException;
import dev.rtvoice.tokens.domain.RateLimiter;
import dev.rtvoice.tokens.domain.RotationFamilies;
import dev.rtvoice.tokens.domain.RotationRecord;
import dev.rtvoice.tokens.domain.RotationSchedule;
import dev.rtvoice.tokens.domain.SecretFingerprint;
import dev.rtvoice.tokens.domain.SessionIds;
import dev.rtvoice.tokens.domain.SessionSettings;
import dev.rtvoice.tokens.domain.SessionSettingsPolicy;
import dev.rtvoice.tokens.domain.UpstreamFailure;
import dev.rtvoice.tokens.kafka.DurableWriter;
import dev.rtvoice.tokens.kafka.RotationLedger;
import dev.rtvoice.tokens.kafka.TokenEvents;
import dev.rtvoice.tokens.metrics.TokenMetrics;
import dev.rtvoice.tokens.outbox.OutboxFullException;
import dev.rtvoice.tokens.upstream.UpstreamFailedException;
import dev.rtvoice.tokens.upstream.MintOutcome;
import dev.rtvoice.tokens.upstream.MintedSecret;
import dev.rtvoice.tokens.upstream.SecretMinter;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
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
 * {@code POST /v1/sessions}, {@code POST /v1/sessions/{id}/rotate} and {@code POST /v1/sessions/{id}/refresh}
 * (a rotation without a client secret, for server-side call creation). Requests arrive
 * authenticated ({@link CallerAuthHandler}) and validated against its OpenAPI document; this class applies
 * the policy (allow-lists, TTL clamp, rate limits, rotation-token binding, one use per rotation
 * token), mints through {@link SecretMinter}, and answers only once the secret's event is durable on
 * Kafka: a secret whose event cannot be written within {@code TOKEN_EVENT_DEADLINE} is never handed
 * out (503 {@code unavailable}), and while Kafka is known down the request is refused at once.
 *
 * <p>A rotation is decided by the rotation ledger ({@link RotationLedger}, {@link RotationFamilies}):
 * it is answered only if its ledger record is the first rotation from its token in the log, so two
 * instances can both mint from the same token but only one answer goes out; the other request gets
 * the same answer (within the replay grace) or is refused as a reuse, which revokes the session.
 */
final class SessionsApi {
  private static final Logger LOG = LoggerFactory.getLogger(SessionsApi.class);
  private static final long UNAVAILABLE_RETRY_MS = 2_000;

  /** What the API needs from configuration. */
  record Settings(SessionSettingsPolicy policy, RotationSchedule schedule, Duration handleGrace,
                  Duration totalTimeout) {}

  private final Settings settings;
  private final SessionHandleCodec codec;
  private final AnswerSeal seal;
  private final SessionIds ids;
  private final SecretMinter minter;
  private final RateLimiter limiter;
  private final TokenEvents events;
  private final TokenMetrics metrics;
  private final Clock clock;
  private final DurableWriter writer;
  private final RotationFamilies families;
  private final RotationLedger ledger;

  SessionsApi(Settings settings, SessionHandleCodec codec, AnswerSeal seal, ApiServices services) {
    this.settings = settings;
    this.codec = codec;
    this.seal = seal;
    this.ids = services.ids();
    this.minter = services.minter();
    this.limiter = services.limiter();
    this.events = services.events();
    this.metrics = services.metrics();
    this.clock = services.clock();
    this.writer = services.writer();
    this.families = services.families();
    this.ledger = services.ledger();
  }

  static SessionsApi create(TokenServiceConfig config, ApiServices services) {
    return new SessionsApi(new Settings(config.policy(), new RotationSchedule(config.rotationLead()),
        config.handleGrace(), config.upstream().totalTimeout()), config.handleCodec(), config.answerSeal(), services);
  }

  /** The facts of one request, carried through the asynchronous steps; tenantId from the user's JWT, or null. */
  private record Call(RoutingContext ctx, Operation operation, long startNanos, String userId, String tenantId,
                      String deviceId) {}

  /** An answer ready to go out once its records are durable. */
  private record Answer(JsonObject body, EventEnvelope event, long handleExpiresAtMs, String fingerprint,
                        long upstreamMs) {}

  void issue(RoutingContext ctx) {
    Call call = call(ctx, Operation.ISSUE);
    JsonObject body = body(ctx);
    SessionSettings session;
    try {
      Object ttl = body.getValue("ttl_seconds");
      session = settings.policy().resolve(body.getString("model"), body.getString("voice"),
          ttl == null ? null : ((Number) ttl).longValue());
    } catch (InvalidSettingException e) {
      throw ApiException.badRequest(e.field(), e.getMessage());
    }
    // with an outbox an issuance needs no Kafka now: its event is delivered when Kafka is back
    if ((!events.viaOutbox() && refusedWhileKafkaDown(call)) || !allowedByRateLimit(call, null)) {
      return;
    }
    String sessionId = ids.newId(session);
    minter.mint(session, settings.totalTimeout().toMillis()).onComplete(ar -> {
      if (ar.failed()) {
        issueFailed(call, sessionId, ar.cause());
        return;
      }
      Answer answer = answer(call, sessionId, call.tenantId(), session, 0, ar.result());
      events.publishDurable(answer.event()).onComplete(written -> {
        if (written.succeeded()) {
          send(call, answer);
        } else {
          notRecorded(call, answer, written.cause());
        }
      });
    });
  }

  void rotate(RoutingContext ctx) {
    Call call = call(ctx, Operation.ROTATE);
    Presented presented = presented(call, ctx);
    if (presented == null) {
      return;
    }
    SessionHandle handle = presented.handle();
    SessionSettings session = presented.settings();
    // retries may use the time the caller's current secret has left, never more than the total timeout
    long secretLeftMs = Math.max(0, handle.secretExpiresAt().toEpochMilli() - clock.millis());
    long budget = Math.min(settings.totalTimeout().toMillis(), secretLeftMs);
    minter.mint(session, budget).onComplete(ar -> {
      if (ar.succeeded()) {
        settle(call, handle, answer(call, handle.sessionId(), tenantOf(handle, call), session,
            handle.generation() + 1, ar.result()));
      } else {
        rotationFailed(call, handle.sessionId(), ar.cause());
      }
    });
  }

  /**
   * A new rotation token for the session and no client secret: what a client of server-side call
   * creation needs, whose handle would otherwise die at its first period's end. It is a rotation in
   * everything but the secret: the same checks, the same ledger (one use per token, reuse revokes,
   * a retry inside the grace gets the same answer), the same rate limits; nothing is asked upstream.
   */
  void refresh(RoutingContext ctx) {
    Call call = call(ctx, Operation.REFRESH);
    Presented presented = presented(call, ctx);
    if (presented == null) {
      return;
    }
    SessionHandle handle = presented.handle();
    settle(call, handle, refreshAnswer(call, handle, presented.settings()));
  }

  /** A rotation token that passed every check before the ledger's, with the settings of its session. */
  private record Presented(SessionHandle handle, SessionSettings settings) {}

  /**
   * The checks a rotation and a refresh share, in order: the token (401), its binding (403), the
   * session's settings (401), Kafka, the rate limit, the ledger. Answers a refusal itself and returns null.
   */
  private Presented presented(Call call, RoutingContext ctx) {
    ValidatedRequest request = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    String pathId = request.getPathParameters().get("session_id").getString();
    String token = body(ctx).getString("rotation_token");
    SessionHandle handle;
    try {
      handle = codec.verify(token);
    } catch (HandleRejectedException e) {
      boolean expired = e.reason() == HandleRejectedException.Reason.EXPIRED;
      deny(call, pathId, expired ? "session_expired" : "unauthenticated", e.reason().name().toLowerCase(),
          401, "session_expired", (expired ? "the rotation token has expired"
              : "the rotation token is not valid") + ": start a new session", true);
      return null;
    }
    HandleCheck.Result check = HandleCheck.check(handle, pathId, call.userId(), call.deviceId());
    if (check != HandleCheck.Result.OK) {
      String what = switch (check) {
        case OTHER_SESSION -> "another session";
        case OTHER_USER -> "another user";
        default -> "another device";
      };
      deny(call, pathId, "forbidden", check.name().toLowerCase(), 403, "forbidden",
          "the rotation token belongs to " + what, false);
      return null;
    }
    var minted = SessionIds.settingsOf(handle.sessionId());
    if (minted.isEmpty() || !settings.policy().stillAllowed(minted.get().model(), minted.get().voice())) {
      deny(call, pathId, "session_expired", minted.isEmpty() ? "unknown_session" : "settings_no_longer_allowed", 401,
          "session_expired", "this session can no longer be " + (call.operation() == Operation.REFRESH
              ? "refreshed" : "rotated") + ": start a new session", true);
      return null;
    }
    if (refusedWhileKafkaDown(call) || !allowedByRateLimit(call, pathId)) {
      return null;
    }
    RotationFamilies.Decision decision = families.decide(handle.sessionId(), handle.generation(), clock.millis());
    if (decision.verdict() == RotationFamilies.Verdict.REPLAY) {
      // another instance may have rotated on from the replayed answer: judge again once this one has
      // read the whole ledger (a reuse there must not get the old answer here)
      ledger.caughtUp().onComplete(ar -> {
        if (ar.failed()) {
          unavailable(call, "the rotation ledger could not be read: retry");
        } else {
          judged(call, handle, families.decide(handle.sessionId(), handle.generation(), clock.millis()));
        }
      });
      return null;
    }
    if (decision.verdict() != RotationFamilies.Verdict.ROTATE) {
      judged(call, handle, decision);
      return null;
    }
    return new Presented(handle, new SessionSettings(minted.get().model(), minted.get().voice(),
        settings.policy().clampTtl((long) minted.get().ttlSeconds())));
  }

  /** A session keeps the tenant it started with; one begun before tenants were carried takes the caller's. */
  private static String tenantOf(SessionHandle handle, Call call) {
    return handle.tenantId() != null ? handle.tenantId() : call.tenantId();
  }

  /**
   * Puts a minted rotation (or a refresh) in the ledger and answers it only if it is the first
   * rotation from its token there; otherwise its secret is dropped unseen and the request is judged
   * again against the rotation that won.
   */
  private void settle(Call call, SessionHandle handle, Answer answer) {
    String sessionId = handle.sessionId();
    String rotationId = answer.event().eventId().toString();
    RotationRecord record = RotationRecord.rotated(sessionId, handle.generation(), rotationId, clock.millis(),
        answer.handleExpiresAtMs(), seal.seal(answer.body().encode(), sessionId, rotationId),
        EventCodec.encode(answer.event()).toString());
    ledger.append(record)
        .compose(v -> families.won(sessionId, rotationId)
            ? events.publishDurable(answer.event()).map(true)
            : Future.succeededFuture(false))
        .onComplete(ar -> {
          if (ar.failed()) {
            notRecorded(call, answer, ar.cause());
          } else if (ar.result()) {
            send(call, answer);
          } else {
            LOG.atInfo().addKeyValue("session_id", sessionId)
                .log("{} of session {} from generation {} lost to another rotation from the same token; "
                + "secret {} dropped", call.operation().label, sessionId, handle.generation(),
                answer.fingerprint() == null ? "(none)" : answer.fingerprint());
            if (answer.fingerprint() != null) {
              metrics.upstream(call.operation().label, answer.upstreamMs());
            }
            metrics.rotationRaceLost();
            judged(call, handle, families.decide(sessionId, handle.generation(), clock.millis()));
          }
        });
  }

  /** A token that may not rotate now: the same answer again, a reuse, or a revoked session. */
  private void judged(Call call, SessionHandle handle, RotationFamilies.Decision decision) {
    switch (decision.verdict()) {
      case REPLAY -> replay(call, handle, decision.family());
      case REVOKED -> deny(call, handle.sessionId(), "session_expired", "revoked", 401, "session_expired",
          "this session was revoked because one of its rotation tokens was used twice: start a new session", true);
      case REUSED -> reused(call, handle, decision.family());
      // a lost race always leaves a newer generation; should the family have gone meanwhile, the client retries
      case ROTATE -> unavailable(call, "the rotation could not be settled: retry");
    }
  }

  /** The client retried the token of the latest rotation inside the replay grace: that rotation's answer again. */
  private void replay(Call call, SessionHandle handle, RotationFamilies.Family family) {
    JsonObject body;
    EventEnvelope event;
    try {
      body = new JsonObject(seal.open(family.sealedAnswer(), handle.sessionId(), family.rotationId()));
      event = EventCodec.decode(Buffer.buffer(family.event()));
    } catch (IllegalArgumentException | DecodeException e) {
      LOG.atError().addKeyValue("session_id", handle.sessionId())
          .log("the stored answer of session {} generation {} cannot be read ({}): refusing the replay",
          handle.sessionId(), family.generation(), e.getMessage());
      deny(call, handle.sessionId(), "session_expired", "replay_unreadable", 401, "session_expired",
          "this session can no longer be rotated: start a new session", true);
      return;
    }
    // a retry repeats its request: a refresh's answer never goes out as a rotation's (it has no secret),
    // nor a rotation's secret as a refresh's, so the other kind with this token is a second use
    if ((event.type() == EventType.TOKEN_REFRESHED) != (call.operation() == Operation.REFRESH)) {
      reused(call, handle, family);
      return;
    }
    // written again with its own event_id: the event exists even if the first answer failed for want of it
    events.publishDurable(event).onComplete(ar -> {
      if (ar.failed()) {
        unavailable(call, "the rotation could not be recorded (Kafka unavailable): retry later");
        return;
      }
      metrics.rotationReplayed();
      HttpResponses.noStore(call.ctx())
          .setStatusCode(200)
          .putHeader("content-type", "application/json")
          .end(body.toBuffer());
      metrics.request(call.operation().label, "ok", System.nanoTime() - call.startNanos());
      LOG.atInfo().addKeyValue("session_id", handle.sessionId())
          .log("replayed the answer of session {} generation {} to a retry of generation {}", handle.sessionId(),
          family.generation(), handle.generation());
    });
  }

  /**
   * A superseded rotation token: someone holds an old token (stolen, or a forked client). The whole
   * family is revoked, here at once and for every instance through the ledger, before the answer.
   */
  private void reused(Call call, SessionHandle handle, RotationFamilies.Family family) {
    long now = clock.millis();
    int latest = family == null ? handle.generation() : family.generation();
    long expiry = Math.max(handle.expiresAt().toEpochMilli(), family == null ? 0 : family.handleExpiresAtMs());
    RotationRecord revoked = RotationRecord.revoked(handle.sessionId(), latest, now, expiry);
    families.apply(revoked);
    LOG.atWarn().addKeyValue("session_id", handle.sessionId())
        .log("rotation token of session {} generation {} reused (latest {}) by user {} device {}: session revoked",
        handle.sessionId(), handle.generation(), latest, call.userId(), call.deviceId());
    ledger.append(revoked).onComplete(ar -> {
      if (ar.failed()) {
        LOG.atError().addKeyValue("session_id", handle.sessionId())
            .log("the revocation of session {} could not be written to the rotation ledger ({}); other instances "
            + "do not know of it", handle.sessionId(), ar.cause().toString());
      }
      deny(call, handle.sessionId(), "reused", "generation " + handle.generation() + ", latest " + latest, 401,
          "session_expired", "this rotation token was already used: the session is revoked, start a new session",
          true);
    });
  }

  private Answer answer(Call call, String sessionId, String tenantId, SessionSettings session, int generation,
                        MintOutcome outcome) {
    MintedSecret secret = outcome.secret();
    Instant issuedAt = clock.instant();
    Instant rotateAt = settings.schedule().rotateAt(issuedAt, secret.expiresAt());
    Instant handleExpiry = SessionHandleCodec.handleExpiry(secret.expiresAt(), settings.handleGrace());
    String rotationToken = codec.sign(new SessionHandle(sessionId, call.userId(), call.deviceId(), generation, issuedAt,
        secret.expiresAt(), handleExpiry, tenantId));
    long expiresAt = secret.expiresAt().getEpochSecond();
    JsonObject body = new JsonObject()
        .put("session_id", sessionId)
        // OpenAI's client_secrets shape ...
        .put("value", secret.value())
        .put("expires_at", expiresAt)
        .put("session", secret.session())
        // ... and the older sessions shape, so a client built for either reads the secret
        .put("client_secret", new JsonObject().put("value", secret.value()).put("expires_at", expiresAt))
        .put("rotate_at", rotateAt.getEpochSecond())
        .put("ttl_seconds", session.ttlSeconds())
        .put("generation", generation)
        .put("rotation_token", rotationToken)
        .put("rotation_token_expires_at", handleExpiry.getEpochSecond());
    String fingerprint = SecretFingerprint.of(secret.value());
    EventEnvelope event = events.minted(new TokenEvents.Minted(sessionId, call.userId(), tenantId, call.deviceId(),
        session.ttlSeconds(), secret.expiresAt(), rotateAt, generation, session.model(), session.voice(), fingerprint,
        outcome.upstreamMs(), (System.nanoTime() - call.startNanos()) / 1_000_000));
    return new Answer(body, event, handleExpiry.toEpochMilli(), fingerprint, outcome.upstreamMs());
  }

  /**
   * A refresh's answer: the next rotation token, covering the session's TTL from now (as the handle of
   * a server-created call does) plus the grace, and no secret; {@code expires_at} is that period's end,
   * which the handle carries where a rotation's carries its secret's expiry.
   */
  private Answer refreshAnswer(Call call, SessionHandle handle, SessionSettings session) {
    Instant now = clock.instant();
    Instant periodEnd = now.plusSeconds(session.ttlSeconds());
    Instant refreshAt = settings.schedule().rotateAt(now, periodEnd);
    Instant handleExpiry = SessionHandleCodec.handleExpiry(periodEnd, settings.handleGrace());
    int generation = handle.generation() + 1;
    String tenant = tenantOf(handle, call);
    String rotationToken = codec.sign(new SessionHandle(handle.sessionId(), call.userId(), call.deviceId(), generation,
        now, periodEnd, handleExpiry, tenant));
    JsonObject body = new JsonObject()
        .put("session_id", handle.sessionId())
        .put("generation", generation)
        .put("rotation_token", rotationToken)
        .put("rotation_token_expires_at", handleExpiry.getEpochSecond())
        .put("expires_at", periodEnd.getEpochSecond())
        .put("refresh_at", refreshAt.getEpochSecond())
        .put("ttl_seconds", session.ttlSeconds());
    EventEnvelope event = events.refreshed(new TokenEvents.Refreshed(handle.sessionId(), call.userId(), tenant,
        call.deviceId(), session.ttlSeconds(), periodEnd, refreshAt, generation, session.model(), session.voice(),
        (System.nanoTime() - call.startNanos()) / 1_000_000));
    return new Answer(body, event, handleExpiry.toEpochMilli(), null, 0);
  }

  private void send(Call call, Answer answer) {
    HttpResponses.noStore(call.ctx())
        .setStatusCode(call.operation() == Operation.ISSUE ? 201 : 200)
        .putHeader("content-type", "application/json")
        .end(answer.body().toBuffer());
    if (answer.fingerprint() != null) {
      metrics.upstream(call.operation().label, answer.upstreamMs());
    }
    metrics.request(call.operation().label, "ok", System.nanoTime() - call.startNanos());
    if (LOG.isDebugEnabled()) {
      LOG.atDebug().addKeyValue("session_id", answer.event().sessionId())
          .log("{} session {} generation {} for user {} device {}: secret {}", call.operation().label,
          answer.event().sessionId(), answer.body().getInteger("generation"), call.userId(), call.deviceId(),
          answer.fingerprint() == null ? "(none)" : answer.fingerprint());
    }
  }

  /** The secret was minted but its records could not be made durable: it is dropped, never handed out. */
  private void notRecorded(Call call, Answer answer, Throwable cause) {
    if (answer.fingerprint() != null) {
      metrics.upstream(call.operation().label, answer.upstreamMs());
    }
    LOG.atDebug().addKeyValue("session_id", answer.event().sessionId())
        .log("{} of session {}: secret {} dropped, its records were not durable ({})", call.operation().label,
        answer.event().sessionId(), answer.fingerprint(), cause.toString());
    String what = switch (call.operation()) {
      case ISSUE -> "issuance";
      case ROTATE -> "rotation";
      case REFRESH -> "refresh";
    };
    unavailable(call, cause instanceof OutboxFullException
        ? "the " + what + " could not be recorded (Kafka has been unavailable too long): retry later"
        : "the " + what + " could not be recorded (Kafka unavailable): retry later");
  }

  private boolean refusedWhileKafkaDown(Call call) {
    if (!writer.knownDown()) {
      return false;
    }
    unavailable(call, "Kafka, where every issued secret is recorded, is unavailable: retry later");
    return true;
  }

  private void unavailable(Call call, String message) {
    sendRetryLater(call, 503, "unavailable", message, UNAVAILABLE_RETRY_MS);
    metrics.request(call.operation().label, "unavailable", System.nanoTime() - call.startNanos());
  }

  private void issueFailed(Call call, String sessionId, Throwable cause) {
    if (!(cause instanceof UpstreamFailedException failed)) {
      call.ctx().fail(cause);
      return;
    }
    UpstreamFailure failure = failed.failure();
    metrics.upstream(call.operation().label, failed.upstreamMs());
    String code;
    switch (failure.kind()) {
      case AUTH_REJECTED -> {
        upstreamAuthRejected(call, sessionId, failure);
        code = "upstream_auth_rejected";
        send(call, 502, code, "upstream refused this service's API key (a server-side problem; operators are "
            + "alerted)", null);
      }
      case CIRCUIT_OPEN -> {
        code = "upstream_unavailable";
        sendRetryLater(call, 503, code, "upstream is failing; not calling it for a while", failure.retryAfterMs());
      }
      case RATE_LIMITED -> {
        code = "upstream_rate_limited";
        sendRetryLater(call, 503, code, "upstream is rate-limiting this service",
            failure.retryAfterMs() >= 0 ? failure.retryAfterMs() : 1_000);
      }
      case TIMEOUT, UNREACHABLE -> {
        code = "upstream_timeout";
        send(call, 504, code, "upstream did not answer in time (" + failed.attempts() + " attempt(s))", null);
      }
      case REQUEST_REJECTED -> {
        code = "upstream_rejected_request";
        send(call, 502, code, "upstream refused the session request (HTTP " + failure.status() + ")", null);
      }
      default -> {
        code = "upstream_error";
        send(call, 502, code, "upstream failed (" + failed.attempts() + " attempt(s))", null);
      }
    }
    LOG.warn("issue for user {} device {} failed after {} attempt(s) in {} ms: {}", call.userId(), call.deviceId(),
        failed.attempts(), failed.upstreamMs(), failed.getMessage());
    metrics.request(call.operation().label, code, System.nanoTime() - call.startNanos());
  }

  private void rotationFailed(Call call, String sessionId, Throwable cause) {
    if (!(cause instanceof UpstreamFailedException failed)) {
      call.ctx().fail(cause);
      return;
    }
    UpstreamFailure failure = failed.failure();
    String reason = failure.kind().rotationReason();
    long totalMs = (System.nanoTime() - call.startNanos()) / 1_000_000;
    if (failure.kind() == UpstreamFailure.Kind.AUTH_REJECTED) {
      upstreamAuthRejected(call, sessionId, failure);
    }
    events.rotationFailed(sessionId, call.userId(), call.deviceId(), reason, failed.attempts(), totalMs);
    metrics.rotationFailed(reason);
    metrics.upstream(call.operation().label, failed.upstreamMs());
    JsonObject details = new JsonObject().put("reason", reason).put("reissue_token", true)
        .put("attempts", failed.attempts());
    if (failure.retryAfterMs() >= 0) {
      details.put("retry_after_ms", failure.retryAfterMs());
    }
    send(call, 502, "rotation_failed", "the session's secret could not be rotated (" + reason + "): start a new "
        + "session before the current secret expires", details);
    LOG.atWarn().addKeyValue("session_id", sessionId)
        .log("rotation of session {} for user {} device {} failed ({}) after {} attempt(s) in {} ms", sessionId,
        call.userId(), call.deviceId(), reason, failed.attempts(), totalMs);
    metrics.request(call.operation().label, "rotation_failed", System.nanoTime() - call.startNanos());
  }

  private void upstreamAuthRejected(Call call, String sessionId, UpstreamFailure failure) {
    LOG.error("upstream answered HTTP {} to our API key on {}: the key is wrong or revoked", failure.status(),
        call.operation().label);
    metrics.upstreamAuthRejected(failure.status());
    events.upstreamRejected(sessionId, failure.status(), call.operation().label, call.userId(), call.deviceId());
  }

  private boolean allowedByRateLimit(Call call, String sessionId) {
    RateLimiter.Decision decision = limiter.acquire(call.userId(), call.deviceId());
    if (decision.allowed()) {
      return true;
    }
    metrics.rateLimited(decision.scope());
    metrics.denied("rate_limited");
    events.denied(sessionId, "rate_limited", call.userId(), call.deviceId(), call.operation().label,
        decision.scope());
    sendRetryLater(call, 429, "rate_limited", "too many requests for this " + decision.scope(),
        decision.retryAfterMs());
    metrics.request(call.operation().label, "rate_limited", System.nanoTime() - call.startNanos());
    return false;
  }

  private void deny(Call call, String sessionId, String reason, String detail, int status, String code,
                    String message, boolean reissue) {
    metrics.denied(reason);
    events.denied(sessionId, reason, call.userId(), call.deviceId(), call.operation().label, detail);
    send(call, status, code, message, reissue ? new JsonObject().put("reissue_token", true) : null);
    metrics.request(call.operation().label, code, System.nanoTime() - call.startNanos());
  }

  private static void sendRetryLater(Call call, int status, String code, String message, long retryAfterMs) {
    long ms = Math.max(0, retryAfterMs);
    call.ctx().response().putHeader("Retry-After", Long.toString(Math.max(1, (ms + 999) / 1000)));
    send(call, status, code, message, new JsonObject().put("retry_after_ms", ms));
  }

  private static void send(Call call, int status, String code, String message, JsonObject details) {
    HttpResponses.noStore(call.ctx());
    JsonErrors.send(call.ctx(), status, code, message, details);
  }

  private static Call call(RoutingContext ctx, Operation operation) {
    Caller caller = CallerAuthHandler.caller(ctx);
    ValidatedRequest request = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    RequestParameter device = request.getHeaders().get("X-Device-ID");
    Long start = ctx.get(ApiRouter.START_NANOS);
    return new Call(ctx, operation, start == null ? System.nanoTime() : start, caller.userId(), caller.tenantId(),
        device.getString());
  }

  private static JsonObject body(RoutingContext ctx) {
    ValidatedRequest request = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    RequestParameter body = request.getBody();
    return body == null || body.isNull() ? new JsonObject() : body.getJsonObject();
  }
}
