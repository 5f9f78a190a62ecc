package dev.rtvoice.tokens.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.TokenCallCreatedPayload;
import dev.rtvoice.common.event.payload.TokenDeniedPayload;
import dev.rtvoice.common.event.payload.TokenEventCodecs;
import dev.rtvoice.common.event.payload.TokenMintedPayload;
import dev.rtvoice.common.event.payload.TokenRefreshedPayload;
import dev.rtvoice.common.event.payload.TokenRotationFailedPayload;
import dev.rtvoice.common.event.payload.TokenUpstreamRejectedPayload;
import dev.rtvoice.tokens.domain.DenialRecordBudget;
import dev.rtvoice.tokens.metrics.TokenMetrics;
import dev.rtvoice.tokens.outbox.Outbox;
import dev.rtvoice.tokens.outbox.OutboxRecord;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events of {@code realtime.token.events}, with exactly the payloads of docs/events.md, encoded by
 * common's {@link TokenEventCodecs} (so a consumer decodes them with the same records). A
 * client secret appears only as its fingerprint; the API key never. The answer of an issuance or a
 * rotation waits for its {@code token.issued} / {@code token.rotated} (a refresh: {@code token.refreshed}) event to be durable
 * ({@link #publishDurable}: in this instance's outbox, or on Kafka when there is none); the other events are written without delaying their answer, {@code token.denied} within a budget
 * ({@link DenialRecordBudget}: a flood of bad requests is not written at its sender's rate). A write
 * that fails is counted and logged (at most once per {@link #FAILURE_LOG_INTERVAL_MS}, so a Kafka
 * outage does not flood the log).
 */
public final class TokenEvents {
  private static final Logger LOG = LoggerFactory.getLogger(TokenEvents.class);
  static final String SOURCE = "token-service";
  static final long FAILURE_LOG_INTERVAL_MS = 10_000;
  private static final String REUSED = "reused";

  private final DurableWriter publisher;
  private final String topic;
  private final Clock clock;
  private final TokenMetrics metrics;
  private final AtomicLong lastFailureLog = new AtomicLong();
  private final Outbox outbox;
  private final DenialRecordBudget denials;

  public TokenEvents(DurableWriter publisher, String topic, Clock clock, TokenMetrics metrics) {
    this(publisher, null, topic, clock, metrics, new DenialRecordBudget(1_000_000, clock));
  }

  /**
   * @param outbox where issuance and rotation events are made durable; null: on Kafka, before the answer
   * @param denials how many {@code token.denied} events may be written (see {@link DenialRecordBudget})
   */
  public TokenEvents(DurableWriter publisher, Outbox outbox, String topic, Clock clock, TokenMetrics metrics,
                     DenialRecordBudget denials) {
    this.publisher = publisher;
    this.outbox = outbox;
    this.topic = topic;
    this.clock = clock;
    this.metrics = metrics;
    this.denials = denials;
  }

  /**
   * The facts of an issued or rotated secret, for {@code token.issued} / {@code token.rotated}.
   *
   * @param tenantId the session's tenant (its handle's {@code tnt}), null when it has none
   */
  public record Minted(String sessionId, String userId, String tenantId, String deviceId, int ttlSeconds,
                       Instant expiresAt,
                       Instant rotateAt, int generation, String model, String voice, String secretFingerprint,
                       long upstreamMs, long totalMs) {}

  /** The {@code token.issued} (generation 0) or {@code token.rotated} event of a minted secret. */
  public EventEnvelope minted(Minted m) {
    Instant now = clock.instant();
    EventType type = m.generation() == 0 ? EventType.TOKEN_ISSUED : EventType.TOKEN_ROTATED;
    JsonObject payload = TokenEventCodecs.encode(new TokenMintedPayload(m.userId(), m.deviceId(), m.ttlSeconds(),
        m.expiresAt().getEpochSecond(), m.rotateAt().getEpochSecond(), m.generation(), m.model(), m.voice(),
        m.secretFingerprint(), m.upstreamMs(), m.totalMs(), m.tenantId()));
    return EventEnvelope.create(type, m.sessionId(), now, now, SOURCE, payload);
  }

  /**
   * The facts of a refreshed rotation token, for {@code token.refreshed}: no secret was minted, so
   * there is no fingerprint and no upstream time.
   *
   * @param expiresAt the end of the period the new rotation token covers (its grace comes on top)
   */
  public record Refreshed(String sessionId, String userId, String tenantId, String deviceId, int ttlSeconds,
                          Instant expiresAt, Instant refreshAt, int generation, String model, String voice,
                          long totalMs) {}

  /** The {@code token.refreshed} event of a rotation token renewed without a client secret. */
  public EventEnvelope refreshed(Refreshed r) {
    Instant now = clock.instant();
    JsonObject payload = TokenEventCodecs.encode(new TokenRefreshedPayload(r.userId(), r.deviceId(), r.ttlSeconds(),
        r.expiresAt().getEpochSecond(), r.refreshAt().getEpochSecond(), r.generation(), r.model(), r.voice(),
        r.totalMs(), r.tenantId()));
    return EventEnvelope.create(EventType.TOKEN_REFRESHED, r.sessionId(), now, now, SOURCE, payload);
  }

  /**
   * The {@code token.call_created} event of a call that exists upstream; written with
   * {@link #publishDurable} before the call is answered.
   *
   * @param at when the call was recorded: the instant its new handle, if any, is issued at
   */
  public EventEnvelope callCreated(String sessionId, Instant at, TokenCallCreatedPayload call) {
    return EventEnvelope.create(EventType.TOKEN_CALL_CREATED, sessionId, at, at, SOURCE,
        TokenEventCodecs.encode(call));
  }

  /**
   * Writes an event and completes once it is in the outbox file, or, without an outbox, once Kafka has
   * it (acks=all); fails after the deadline, or at once when the outbox is full. Writing
   * the same envelope again (a replayed rotation) repeats its {@code event_id}, which consumers dedupe.
   */
  public Future<Void> publishDurable(EventEnvelope event) {
    if (outbox != null) {
      OutboxRecord record;
      try {
        record = new OutboxRecord(topic, event.sessionId(), EventCodec.encode(event).getBytes());
      } catch (RuntimeException e) {
        failed(event.type(), e);
        return Future.failedFuture(e);
      }
      return outbox.append(record).onFailure(e -> failed(event.type(), e));
    }
    return publisher.write(topic, event).<Void>mapEmpty().onFailure(e -> failed(event.type(), e));
  }

  /** Whether issuance and rotation events go through a local outbox (Kafka may be away meanwhile). */
  public boolean viaOutbox() {
    return outbox != null;
  }

  public Future<Void> rotationFailed(String sessionId, String userId, String deviceId, String reason, int attempts,
                                     long totalMs) {
    return publish(EventType.TOKEN_ROTATION_FAILED,
        () -> rotationFailedEvent(sessionId, userId, deviceId, reason, attempts, totalMs));
  }

  EventEnvelope rotationFailedEvent(String sessionId, String userId, String deviceId, String reason, int attempts,
                                    long totalMs) {
    return event(EventType.TOKEN_ROTATION_FAILED, sessionId, TokenEventCodecs.encode(
        new TokenRotationFailedPayload(userId, deviceId, reason, attempts, totalMs, true)));
  }

  public Future<Void> upstreamRejected(String sessionId, int status, String operation, String userId,
                                       String deviceId) {
    return publish(EventType.TOKEN_UPSTREAM_REJECTED,
        () -> upstreamRejectedEvent(sessionId, status, operation, userId, deviceId));
  }

  EventEnvelope upstreamRejectedEvent(String sessionId, int status, String operation, String userId,
                                      String deviceId) {
    return event(EventType.TOKEN_UPSTREAM_REJECTED, sessionId, TokenEventCodecs.encode(
        new TokenUpstreamRejectedPayload(status, operation, userId, deviceId)));
  }

  /**
   * @param sessionId null when the denial is not about a known session
   * @param userId null when the caller is not authenticated
   * @param deviceId null when the caller sent none
   * @param detail what exactly was wrong (an extra field; consumers ignore what they do not know)
   */
  public Future<Void> denied(String sessionId, String reason, String userId, String deviceId, String operation,
                             String detail) {
    // a reused rotation token (a stolen one, which revokes its session) is always written: it happens
    // once per session, and the audit trail must have it whatever a flood has spent
    if (!REUSED.equals(reason) && !denials.tryRecord()) {
      metrics.deniedNotRecorded(reason);  // answered and counted as denied all the same
      return Future.succeededFuture();
    }
    return publish(EventType.TOKEN_DENIED,
        () -> deniedEvent(sessionId, reason, userId, deviceId, operation, detail));
  }

  EventEnvelope deniedEvent(String sessionId, String reason, String userId, String deviceId, String operation,
                            String detail) {
    return event(EventType.TOKEN_DENIED, sessionId, TokenEventCodecs.encode(
        new TokenDeniedPayload(reason, operation, userId, deviceId, detail)));
  }

  private EventEnvelope event(EventType type, String sessionId, JsonObject payload) {
    Instant now = clock.instant();
    return EventEnvelope.create(type, sessionId, now, now, SOURCE, payload);
  }

  /** A payload that cannot be an event (a bug) is counted like a failed write rather than thrown at the caller. */
  private Future<Void> publish(EventType type, Supplier<EventEnvelope> build) {
    EventEnvelope event;
    try {
      event = build.get();
    } catch (RuntimeException e) {
      failed(type, e);
      return Future.failedFuture(e);
    }
    return publisher.write(topic, event).<Void>mapEmpty().onFailure(e -> failed(type, e));
  }

  private void failed(EventType type, Throwable e) {
    metrics.eventPublishFailed(type.wireName());
    long now = System.currentTimeMillis();
    long last = lastFailureLog.get();
    if (now - last >= FAILURE_LOG_INTERVAL_MS && lastFailureLog.compareAndSet(last, now)) {
      LOG.warn("could not publish {} to {} ({}); counted in token_event_publish_failures_total", type, topic,
          e.toString());
    }
  }
}
