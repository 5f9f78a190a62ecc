package dev.rtvoice.sessions.kafka;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.TokenCallCreatedPayload;
import dev.rtvoice.common.handle.TenantIds;
import dev.rtvoice.sessions.domain.EventSummary;
import dev.rtvoice.sessions.domain.Input;
import dev.rtvoice.sessions.domain.InvalidSummaryException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The commands of {@code realtime.session.commands} (docs/events.md): the one place that writes and
 * reads them. The HTTP ingress and the sideband write them, the instance that owns the session reads
 * them. Besides the documented fields, each carries {@code secret_expires_at_ms} (the client secret's
 * expiry from the caller's rotation token) and client events the client's {@code platform}; readers
 * ignore fields they do not know.
 *
 * <p>The events of one request are one record ({@link #clientEvents}): Kafka takes a record whole or
 * not at all, so a request is never half durable (with one record per event, an expired producer
 * batch could leave the tail of a request in the log without its head), and it costs one record
 * instead of one per event.
 */
public final class Commands {
  public static final String SOURCE_API = "session-service.api";
  public static final String SOURCE_SIDEBAND = "session-service.sideband";
  public static final String SOURCE_OWNER = "session-service.owner";
  /** The forwarder of token-service's {@code token.call_created} ({@code CallCreatedFeed}). */
  public static final String SOURCE_CALLS = "session-service.calls";
  /** Most events one command record may carry, whatever wrote it (the API's own bound is lower). */
  public static final int MAX_EVENTS_PER_RECORD = 1000;

  private Commands() {}

  /**
   * Who sent a command: from the verified rotation token, never from the request body.
   *
   * @param tenantId the user's tenant from the token ({@code tnt}), or null
   */
  public record Caller(String userId, String deviceId, long secretExpiresAtMs, String tenantId) {
    public Caller(String userId, String deviceId, long secretExpiresAtMs) {
      this(userId, deviceId, secretExpiresAtMs, null);
    }
  }

  /**
   * A decoded command: the machine's inputs (one, or a request's events in order) and the facts about
   * the caller.
   *
   * @param tenantId the caller's tenant (client requests whose token named one), or null
   * @param fromClient a client's request reached the ingress (its {@code recorded_at} is when): the
   *     client is alive then; a call created by token-service at the client's request counts too
   */
  public record Command(UUID id, String sessionId, List<Input> inputs, boolean batch, String userId,
                        String deviceId, String platform, long secretExpiresAtMs, String tenantId,
                        boolean fromClient) {}

  /**
   * One request's events as the one record to write, keyed by session id. Encoded here, once, so that
   * a request too large for a record is refused before anything is written: an
   * {@link InvalidSummaryException} naming {@code events} (the API answers 400).
   */
  public static Buffer clientEvents(String sessionId, List<EventSummary> events, Caller caller, String platform,
                                    Instant now) {
    if (events.isEmpty() || events.size() > MAX_EVENTS_PER_RECORD) {
      throw new InvalidSummaryException("events", "must hold 1.." + MAX_EVENTS_PER_RECORD + " events");
    }
    List<Map<String, Object>> list = new ArrayList<>(events.size());
    for (EventSummary e : events) {
      list.add(e.toMap());
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("user_id", caller.userId());
    payload.put("device_id", caller.deviceId());
    payload.put("secret_expires_at_ms", caller.secretExpiresAtMs());
    if (caller.tenantId() != null) {
      payload.put("tenant_id", caller.tenantId());
    }
    if (platform != null) {
      payload.put("platform", platform);
    }
    payload.put("events", list);
    EventType type = EventType.SESSION_CLIENT_EVENTS;
    try {
      // written straight from the parts: the same bytes as an EventEnvelope through EventCodec, without
      // the envelope's deep copy of every event
      return EnvelopeWriter.encode(newCommandId(), type, type.currentVersion(), sessionId,
          Instant.ofEpochMilli(events.get(0).occurredAtMs()), now, SOURCE_API, payload);
    } catch (InvalidEventException e) {
      throw new InvalidSummaryException("events", "the request's " + events.size() + " events take more than "
          + EventCodec.MAX_BYTES + " bytes as one command: send fewer events per request");
    }
  }

  /**
   * A random (version 4) UUID from the thread's own generator. A command id is an idempotency key: it
   * must be unique, not unguessable (nothing is authorized by it), and {@link UUID#randomUUID()}'s
   * shared {@code SecureRandom} was a lock and a read of the OS's entropy per request in the profile.
   */
  static UUID newCommandId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low);
  }

  public static EventEnvelope clientEvent(String sessionId, EventSummary e, Caller caller, String platform,
                                          Instant now) {
    JsonObject payload = new JsonObject(e.toMap())
        .put("user_id", caller.userId())
        .put("device_id", caller.deviceId())
        .put("secret_expires_at_ms", caller.secretExpiresAtMs());
    putTenant(payload, caller);
    if (platform != null) {
      payload.put("platform", platform);
    }
    return EventEnvelope.create(EventType.SESSION_CLIENT_EVENT, sessionId, Instant.ofEpochMilli(e.occurredAtMs()),
        now, SOURCE_API, payload);
  }

  public static EventEnvelope upstreamEvent(String sessionId, EventSummary e, String userId, String deviceId,
                                            Instant now) {
    JsonObject payload = new JsonObject(e.withoutSeq().toMap()).put("user_id", userId).put("device_id", deviceId);
    return EventEnvelope.create(EventType.SESSION_UPSTREAM_EVENT, sessionId, Instant.ofEpochMilli(e.occurredAtMs()),
        now, SOURCE_SIDEBAND, payload);
  }

  public static EventEnvelope interrupt(String sessionId, String interruptId, long audioEndMs, String responseId,
                                        String itemId, Caller caller, Instant occurredAt, Instant now) {
    JsonObject payload = new JsonObject()
        .put("interrupt_id", interruptId)
        .put("audio_end_ms", audioEndMs)
        .put("user_id", caller.userId())
        .put("device_id", caller.deviceId())
        .put("secret_expires_at_ms", caller.secretExpiresAtMs());
    putTenant(payload, caller);
    if (responseId != null) {
      payload.put("response_id", responseId);
    }
    if (itemId != null) {
      payload.put("item_id", itemId);
    }
    return EventEnvelope.create(EventType.SESSION_INTERRUPT_REQUESTED, sessionId, occurredAt, now, SOURCE_API,
        payload);
  }

  public static EventEnvelope recovery(String sessionId, String reason, Caller caller, Instant occurredAt,
                                       Instant now) {
    return recovery(sessionId, null, reason, caller, occurredAt, now);
  }

  /**
   * A recover command carrying the client's {@code recovery_id}: a retry with the same id (after a 503
   * whose first attempt was written after all) is applied once by the owner.
   */
  public static EventEnvelope recovery(String sessionId, String recoveryId, String reason, Caller caller,
                                       Instant occurredAt, Instant now) {
    JsonObject payload = new JsonObject()
        .put("reason", reason)
        .put("user_id", caller.userId())
        .put("device_id", caller.deviceId())
        .put("secret_expires_at_ms", caller.secretExpiresAtMs())
        .put("requested_at_ms", now.toEpochMilli());
    putTenant(payload, caller);
    if (recoveryId != null) {
      payload.put("recovery_id", recoveryId);
    }
    return EventEnvelope.create(EventType.SESSION_RECOVERY_REQUESTED, sessionId, occurredAt, now, SOURCE_API,
        payload);
  }

  private static void putTenant(JsonObject payload, Caller caller) {
    if (caller.tenantId() != null) {
      payload.put("tenant_id", caller.tenantId());
    }
  }

  /**
   * A quiet session's clock reached {@code atMs} (the owner's wall clock says so): written to the log so
   * the deadlines it fires are applied in the log's order, the same on every replay. It carries the
   * owner's wall clock ({@code wall_ms}, which is {@code now}), against which the client's liveness is
   * judged.
   */
  public static EventEnvelope clockTick(String sessionId, long atMs, String userId, String deviceId, Instant now) {
    JsonObject payload = new JsonObject().put("user_id", userId).put("device_id", deviceId)
        .put("wall_ms", now.toEpochMilli());
    return EventEnvelope.create(EventType.SESSION_CLOCK_TICK, sessionId, Instant.ofEpochMilli(atMs), now,
        SOURCE_OWNER, payload);
  }

  /**
   * The owner's finding that the session's user (or tenant) is over a concurrency budget
   * ({@link Input.BudgetExceeded}), as a command: applied when the log reaches it, so the session ends
   * the same way on a replay of the log.
   */
  public static EventEnvelope overBudget(String sessionId, Input.BudgetExceeded over, String userId, String deviceId,
                                         Instant now) {
    JsonObject payload = new JsonObject().put("scope", over.scope()).put("limit", over.limit())
        .put("value", over.value()).put("max", over.max()).put("user_id", userId).put("device_id", deviceId);
    return EventEnvelope.create(EventType.SESSION_OVER_BUDGET, sessionId, Instant.ofEpochMilli(over.atMs()), now,
        SOURCE_OWNER, payload);
  }

  /** The owner could not send an interrupt's {@code response.cancel} on the sideband, as a command. */
  public static EventEnvelope sidebandCancelFailed(String sessionId, Input.SidebandCancelFailed failed, String userId,
                                                   String deviceId, Instant now) {
    JsonObject payload = new JsonObject().put("interrupt_id", failed.interruptId()).put("user_id", userId)
        .put("device_id", deviceId);
    return EventEnvelope.create(EventType.SESSION_SIDEBAND_CANCEL_FAILED, sessionId,
        Instant.ofEpochMilli(failed.atMs()), now, SOURCE_OWNER, payload);
  }

  /**
   * token-service created an upstream call for the session ({@code token.call_created}, event
   * {@code tokenEvent}): its times are the token event's, so the session's liveness runs from the
   * client's request to token-service, however late this is written. Its id is derived from the token
   * event's, so writing it twice (the forwarder's at-least-once) writes the same command.
   */
  public static EventEnvelope callCreated(EventEnvelope tokenEvent, TokenCallCreatedPayload call) {
    JsonObject payload = new JsonObject()
        .put("call_id", call.callId())
        .put("user_id", call.userId())
        // device_id is optional in token.call_created; a session needs one
        .put("device_id", call.deviceId() == null || call.deviceId().isEmpty() ? "unknown" : call.deviceId());
    if (call.tenantId() != null) {
      payload.put("tenant_id", call.tenantId());
    }
    EventType type = EventType.SESSION_CALL_CREATED;
    UUID id = UUID.nameUUIDFromBytes(("session.call_created/" + tokenEvent.eventId())
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return new EventEnvelope(id, type, type.currentVersion(), tokenEvent.sessionId(), tokenEvent.occurredAt(),
        tokenEvent.recordedAt(), SOURCE_CALLS, payload);
  }

  /**
   * Reads a command; one that does not fit the contract (written by something other than this
   * service) is an {@link InvalidSummaryException} naming the field, and goes to the dead letters.
   */
  public static Command decode(EventEnvelope env) {
    JsonObject p = env.payloadView();
    Map<String, Object> m = p.getMap();
    String user = requiredString(m, "user_id");
    String device = requiredString(m, "device_id");
    long sxp = optionalLong(m, "secret_expires_at_ms", -1);
    String tenant = m.get("tenant_id") instanceof String t && TenantIds.isValid(t) ? t : null;
    long at = env.occurredAt().toEpochMilli();
    Input input;
    String platform = null;
    switch (env.type()) {
      case SESSION_CLIENT_EVENTS -> {
        platform = m.get("platform") instanceof String s ? s : null;
        return new Command(env.eventId(), env.sessionId(), clientInputs(p), true, user, device, platform, sxp, tenant,
            true);
      }
      case SESSION_CLIENT_EVENT -> {
        input = new Input.Observed(EventSummary.parse(m, "payload.", true, Long.MAX_VALUE / 4, 0), Input.Source.CLIENT);
        platform = m.get("platform") instanceof String s ? s : null;
      }
      case SESSION_UPSTREAM_EVENT -> input = new Input.Observed(
          EventSummary.parse(m, "payload.", false, Long.MAX_VALUE / 4, 0), Input.Source.SIDEBAND);
      case SESSION_INTERRUPT_REQUESTED -> input = new Input.InterruptRequest(requiredString(m, "interrupt_id"), at,
          optionalLong(m, "audio_end_ms", 0), m.get("response_id") instanceof String r ? r : null,
          m.get("item_id") instanceof String i ? i : null, false);
      case SESSION_RECOVERY_REQUESTED -> input = new Input.RecoveryRequest(
          m.get("recovery_id") instanceof String r && !r.isEmpty() ? r : null, requiredString(m, "reason"), at, sxp,
          optionalLong(m, "requested_at_ms", env.recordedAt().toEpochMilli()));
      case SESSION_CALL_CREATED -> input = new Input.CallCreated(requiredString(m, "call_id"), at,
          env.recordedAt().toEpochMilli());
      case SESSION_OVER_BUDGET -> input = new Input.BudgetExceeded(requiredString(m, "scope"), requiredString(m, "limit"),
          optionalLong(m, "value", 0), optionalLong(m, "max", 0), at);
      case SESSION_SIDEBAND_CANCEL_FAILED -> input = new Input.SidebandCancelFailed(requiredString(m, "interrupt_id"), at);
      // a tick without wall_ms (written before liveness existed) checks no liveness
      case SESSION_CLOCK_TICK -> input = new Input.Tick(at, optionalLong(m, "wall_ms", Input.Tick.NO_WALL_CLOCK));
      default -> throw new InvalidSummaryException("type", env.type() + " is not a session command");
    }
    boolean fromClient = switch (env.type()) {
      case SESSION_UPSTREAM_EVENT, SESSION_CLOCK_TICK, SESSION_OVER_BUDGET, SESSION_SIDEBAND_CANCEL_FAILED -> false;
      default -> true;
    };
    return new Command(env.eventId(), env.sessionId(), List.of(input), false, user, device, platform, sxp, tenant,
        fromClient);
  }

  /** A request's events, in order; one that does not parse makes the whole record invalid. */
  private static List<Input> clientInputs(JsonObject payload) {
    if (!(payload.getValue("events") instanceof JsonArray events) || events.isEmpty()) {
      throw new InvalidSummaryException("payload.events", "must be a non-empty array");
    }
    if (events.size() > MAX_EVENTS_PER_RECORD) {
      throw new InvalidSummaryException("payload.events", "holds " + events.size() + " events, more than "
          + MAX_EVENTS_PER_RECORD);
    }
    List<Input> inputs = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      if (!(events.getValue(i) instanceof JsonObject e)) {
        throw new InvalidSummaryException("payload.events[" + i + "]", "must be an object");
      }
      inputs.add(new Input.Observed(EventSummary.parse(e.getMap(), "payload.events[" + i + "].", true,
          Long.MAX_VALUE / 4, 0), Input.Source.CLIENT));
    }
    return inputs;
  }

  private static String requiredString(Map<String, Object> m, String field) {
    Object v = m.get(field);
    if (!(v instanceof String s) || s.isEmpty()) {
      throw new InvalidSummaryException("payload." + field, "is required");
    }
    return s;
  }

  private static long optionalLong(Map<String, Object> m, String field, long defaultValue) {
    Object v = m.get(field);
    if (v == null) {
      return defaultValue;
    }
    if (!(v instanceof Integer || v instanceof Long)) {
      throw new InvalidSummaryException("payload." + field, "must be an integer");
    }
    return ((Number) v).longValue();
  }
}
