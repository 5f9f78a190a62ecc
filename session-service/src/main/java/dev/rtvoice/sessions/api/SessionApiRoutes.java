package dev.rtvoice.sessions.api;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.common.http.JsonBodies;
import dev.rtvoice.common.kafka.EventPublisher;
import dev.rtvoice.sessions.config.SessionServiceConfig;
import dev.rtvoice.sessions.domain.EventSummary;
import dev.rtvoice.sessions.domain.Fields;
import dev.rtvoice.sessions.domain.InvalidSummaryException;
import dev.rtvoice.sessions.domain.Phase;
import dev.rtvoice.sessions.domain.RecoveryPlan;
import dev.rtvoice.sessions.domain.Truncation;
import dev.rtvoice.sessions.kafka.Commands;
import dev.rtvoice.sessions.kafka.StateView;
import dev.rtvoice.sessions.metrics.SessionMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (README "HTTP API"). Every write is validated here (bad input is a 400 naming the
 * field and never reaches Kafka), then written to {@code realtime.session.commands} keyed by session
 * id, and answered only once the broker acknowledged it: an accepted event is never lost. Interrupt and
 * recover then wait (up to {@code REPLY_TIMEOUT}) for the owning instance's decision, which comes back
 * through the state topic's read view, so the answer is the same whichever instance took the request.
 *
 * <p>Ingress protection: each write is charged to its session's and its user's rate limits
 * ({@link IngressLimits}, 429 before anything is written) and bounded by {@code REQUEST_DEADLINE}
 * ({@link KafkaGate}: 503 when Kafka does not acknowledge in time, and at once while Kafka is known to
 * be down).
 *
 * <p>One instance serves every HTTP event loop ({@link HttpApiVerticle}): what it holds is shared and
 * thread-safe (the limiter locks, the gate's state is volatile, the view and metrics are concurrent);
 * each request's own work, its timers included, runs on the event loop of its connection.
 */
public final class SessionApiRoutes {
  /**
   * What the API tells this instance's owner once an interrupt command is durable, so that the
   * upstream cancel need not wait for the consumer loop (a no-op where another instance owns it).
   */
  @FunctionalInterface
  public interface InterruptFastPath {
    void cancelAhead(String sessionId, String interruptId, String clientResponseId);
  }

  private static final Logger LOG = LoggerFactory.getLogger(SessionApiRoutes.class);
  private static final Pattern SESSION_ID = Pattern.compile("[\\x21-\\x7e]{1,200}");
  private static final Pattern PLATFORM = Pattern.compile("[a-z0-9_.\\-]{1,32}");
  private static final int BODY_LIMIT = 512 * 1024;
  private static final long EVICTION_INTERVAL_MS = 1_000;

  private final SessionServiceConfig config;
  private final EventPublisher publisher;
  private final StateView view;
  private final SessionMetrics metrics;
  private final Authenticator auth;
  private final Clock clock;
  private final BooleanSupplier ready;
  private final String commandsTopic;
  private final InterruptFastPath fastPath;
  private final Vertx vertx;
  private final IngressLimits limits;
  private final KafkaGate gate;
  private final long deadlineMs;
  private long evictionTimer = -1;

  /**
   * @param kafkaProbe whether Kafka answers (the service's Kafka readiness check): while it does not,
   *     writes are refused at once
   */
  public SessionApiRoutes(Vertx vertx, SessionServiceConfig config, EventPublisher publisher, StateView view,
                          SessionMetrics metrics, BooleanSupplier ready, InterruptFastPath fastPath,
                          ReadinessCheck kafkaProbe) {
    this.vertx = vertx;
    this.config = config;
    this.limits = new IngressLimits(config.ingress(), config.clock());
    this.gate = new KafkaGate(vertx, kafkaProbe, config.ingress().brokerProbeInterval());
    this.deadlineMs = config.ingress().requestDeadline().toMillis();
    this.fastPath = fastPath;
    this.publisher = publisher;
    this.view = view;
    this.metrics = metrics;
    this.ready = ready;
    this.clock = config.clock();
    this.auth = new Authenticator(config.handles(), config.clock(), config.operatorToken(), config.devMode());
    this.commandsTopic = config.topics().sessionCommands();
  }

  /** Mounts the routes on one HTTP instance's router; every instance's router shares this state. */
  public void mount(Router router) {
    router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(BODY_LIMIT));
    router.route("/v1/*").handler(ctx -> {
      if (!ready.getAsBoolean()) {
        ctx.response().putHeader("Retry-After", "1");
        throw new ApiException(503, "unavailable", "the service is starting (Kafka state not loaded yet)");
      }
      ctx.next();
    });
    router.post("/v1/sessions/:id/events").handler(this::events);
    router.post("/v1/sessions/:id/interrupt").handler(this::interrupt);
    router.post("/v1/sessions/:id/recover").handler(this::recover);
    router.get("/v1/sessions/:id").handler(this::get);
    router.get("/v1/sessions").handler(this::list);
  }

  /**
   * Starts the Kafka probe and the limiter's eviction, once for all the routers this is mounted on
   * (they run on the caller's context).
   */
  public void start() {
    gate.start();
    evictionTimer = vertx.setPeriodic(EVICTION_INTERVAL_MS, t -> limits.evictIdle());
  }

  /** Stops the Kafka probe and the limiter's eviction (the service's stop calls it). */
  public void close() {
    gate.close();
    if (evictionTimer >= 0) {
      vertx.cancelTimer(evictionTimer);
    }
  }

  // ---- POST /v1/sessions/{id}/events ----

  private void events(RoutingContext ctx) {
    long startNs = System.nanoTime();
    String sid = sessionId(ctx);
    SessionHandle handle = auth.session(ctx, sid);
    JsonObject body = JsonBodies.object(ctx, false);
    String platform = JsonBodies.optionalString(body, "platform");
    if (platform != null && !PLATFORM.matcher(platform).matches()) {
      throw ApiException.badRequest("platform", "must be 1-32 of a-z, 0-9, '_', '.', '-'");
    }
    JsonArray events = JsonBodies.requiredArray(body, "events");
    if (events.isEmpty()) {
      throw ApiException.badRequest("events", "must hold at least one event");
    }
    if (events.size() > config.maxBatch()) {
      throw ApiException.badRequest("events", "at most " + config.maxBatch() + " events per request, got "
          + events.size());
    }
    chargeOrRefuse(ctx, "events", sid, handle, events.size());
    long now = clock.millis();
    List<EventSummary> summaries = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      Object item = events.getValue(i);
      if (!(item instanceof JsonObject event)) {
        throw ApiException.badRequest("events[" + i + "]", "must be an object");
      }
      try {
        summaries.add(EventSummary.parse(event.getMap(), "events[" + i + "].", true, now,
            config.maxClockAhead().toMillis()));
      } catch (InvalidSummaryException e) {
        throw ApiException.badRequest(e.field(), e.getMessage().substring(e.field().length() + 2));
      }
    }
    // the request's events are one record: Kafka takes it whole or not at all (too large: 400 events)
    io.vertx.core.buffer.Buffer command;
    try {
      command = Commands.clientEvents(sid, summaries, caller(handle), platform, Instant.ofEpochMilli(now));
    } catch (InvalidSummaryException e) {
      throw ApiException.badRequest(e.field(), e.getMessage().substring(e.field().length() + 2));
    }
    refuseWhileKafkaDown(ctx, "events");
    Future<?> write = publisher.publishRaw(commandsTopic, sid, command, List.of());
    gate.within(write, remainingMs(startNs)).onComplete(ar -> {
      if (ar.failed()) {
        unavailable(ctx, "events", ar.cause());
        return;
      }
      metrics.ingress("events", summaries.size());
      JsonObject answer = new JsonObject().put("session_id", sid).put("accepted", summaries.size());
      addViewFacts(answer, sid);
      ctx.response().setStatusCode(202);
      ctx.json(answer);
    });
  }

  // ---- POST /v1/sessions/{id}/interrupt ----

  private void interrupt(RoutingContext ctx) {
    long startNs = System.nanoTime();
    String sid = sessionId(ctx);
    SessionHandle handle = auth.session(ctx, sid);
    JsonObject body = JsonBodies.object(ctx, true);
    Map<String, Object> m = body.getMap();
    String interruptId;
    long audioEndMs;
    String responseId;
    String itemId;
    long occurredAt;
    long now = clock.millis();
    try {
      interruptId = Fields.id(m, "interrupt_id", false);
      audioEndMs = Fields.integer(m, "audio_end_ms", true, 0, 24L * 3600 * 1000);
      responseId = Fields.id(m, "response_id", false);
      itemId = Fields.id(m, "item_id", false);
      occurredAt = occurredAt(m, now);
    } catch (InvalidSummaryException e) {
      throw ApiException.badRequest(e.field(), e.getMessage().substring(e.field().length() + 2));
    }
    chargeOrRefuse(ctx, "interrupt", sid, handle, 1);
    refuseWhileKafkaDown(ctx, "interrupt");
    String iid = interruptId != null ? interruptId : "int_" + UUID.randomUUID();
    EventEnvelope command = Commands.interrupt(sid, iid, audioEndMs, responseId, itemId, caller(handle),
        Instant.ofEpochMilli(occurredAt), Instant.ofEpochMilli(now));
    String commandId = command.eventId().toString();
    Future<JsonObject> reply = view.awaitReply(commandId);
    gate.within(publisher.publish(commandsTopic, command), remainingMs(startNs)).onComplete(ar -> {
      if (ar.failed()) {
        view.forget(commandId);
        unavailable(ctx, "interrupt", ar.cause());
        return;
      }
      metrics.ingress("interrupt", 1);
      fastPath.cancelAhead(sid, iid, responseId);
      replyWithin(reply, startNs).onComplete(r -> {
        if (r.failed()) {
          view.forget(commandId);
          // accepted and durable, but the owner has not answered yet: say what the client knows
          Optional<JsonObject> snapshot = view.get(sid).map(StateView.Entry::snapshotJson);
          String rid = responseId != null ? responseId : snapshot.map(s -> s.getString("response_id")).orElse(null);
          String item = itemId != null ? itemId : snapshot.map(s -> s.getString("item_id")).orElse(null);
          ctx.response().setStatusCode(202);
          long truncateAt = Truncation.fromSnapshot(snapshot.map(JsonObject::getMap).orElse(null), iid, rid, item,
              audioEndMs, occurredAt);
          ctx.json(Answers.interrupt("pending", iid, snapshot.map(s -> s.getString("phase")).orElse(null), rid, item,
              audioEndMs, truncateAt < 0 ? null : truncateAt, null, null));
          return;
        }
        JsonObject rep = r.result();
        String outcome = rep.getString("outcome");
        if ("refused".equals(outcome)) {
          metrics.rejected("interrupt", "illegal_transition");
          fail(ctx, new ApiException(409, "illegal_transition", "nothing to interrupt in " + rep.getString("phase"),
              new JsonObject().put("phase", rep.getString("phase")).put("interrupt_id", iid)));
          return;
        }
        ctx.response().setStatusCode(200);
        ctx.json(Answers.interrupt("duplicate".equals(outcome) ? "duplicate" : "cancelling", iid,
            rep.getString("phase"), rep.getString("response_id"), rep.getString("item_id"),
            rep.getLong("audio_end_ms", audioEndMs), rep.getLong("truncate_audio_end_ms"),
            rep.getBoolean("sideband_cancel"), rep.getLong("deadline_ms")));
      });
    });
  }

  // ---- POST /v1/sessions/{id}/recover ----

  private void recover(RoutingContext ctx) {
    long startNs = System.nanoTime();
    String sid = sessionId(ctx);
    SessionHandle handle = auth.session(ctx, sid);
    JsonObject body = JsonBodies.object(ctx, false);
    Map<String, Object> m = body.getMap();
    String reason;
    String recoveryId;
    long occurredAt;
    long now = clock.millis();
    try {
      reason = Fields.reason(m, "reason", true);
      // optional; a retry with the same id (after a 503 whose first attempt was written) is applied once
      recoveryId = Fields.id(m, "recovery_id", false);
      occurredAt = occurredAt(m, now);
    } catch (InvalidSummaryException e) {
      throw ApiException.badRequest(e.field(), e.getMessage().substring(e.field().length() + 2));
    }
    chargeOrRefuse(ctx, "recover", sid, handle, 1);
    refuseWhileKafkaDown(ctx, "recover");
    Commands.Caller caller = caller(handle);
    EventEnvelope command = Commands.recovery(sid, recoveryId, reason, caller, Instant.ofEpochMilli(occurredAt),
        Instant.ofEpochMilli(now));
    String commandId = command.eventId().toString();
    Future<JsonObject> reply = view.awaitReply(commandId);
    gate.within(publisher.publish(commandsTopic, command), remainingMs(startNs)).onComplete(ar -> {
      if (ar.failed()) {
        view.forget(commandId);
        unavailable(ctx, "recover", ar.cause());
        return;
      }
      metrics.ingress("recover", 1);
      replyWithin(reply, startNs).onComplete(r -> {
        if (r.failed()) {
          view.forget(commandId);
          // the plan depends only on the reason and the secret's expiry; the summary is the view's
          RecoveryPlan plan = RecoveryPlan.plan(reason, caller.secretExpiresAtMs(), now,
              config.machine().rotationLeadMs());
          JsonObject summary = new JsonObject().put("lines", new JsonArray()).put("text", "");
          if (plan.replaySummary()) {
            view.get(sid).ifPresent(e -> {
              JsonObject s = e.snapshotJson().getJsonObject("summary");
              JsonArray lines = s.getJsonArray("lines");
              StringBuilder text = new StringBuilder();
              for (int i = 0; i < lines.size(); i++) {
                JsonObject l = lines.getJsonObject(i);
                text.append(i == 0 ? "" : "\n").append(l.getString("role")).append(": ").append(l.getString("text"));
              }
              summary.put("lines", lines).put("text", text.toString()).put("chars", s.getInteger("chars"));
            });
          }
          ctx.response().setStatusCode(202);
          ctx.json(new JsonObject().put("status", "pending").put("session_id", sid)
              .put("plan", new JsonObject(plan.toMap())).put("summary", summary));
          return;
        }
        JsonObject rep = r.result();
        if ("refused".equals(rep.getString("outcome"))) {
          metrics.rejected("recover", "illegal_transition");
          fail(ctx, new ApiException(409, "illegal_transition", "cannot recover a session in " + rep.getString("phase"),
              new JsonObject().put("phase", rep.getString("phase"))));
          return;
        }
        ctx.response().setStatusCode(200);
        ctx.json(new JsonObject().put("status", "recovering").put("session_id", sid)
            .put("phase", rep.getString("phase")).put("plan", rep.getJsonObject("plan"))
            .put("summary", rep.getJsonObject("summary")));
      });
    });
  }

  // ---- reads ----

  private void get(RoutingContext ctx) {
    String sid = sessionId(ctx);
    auth.reader(ctx, sid);
    StateView.Entry entry = view.get(sid)
        .orElseThrow(() -> ApiException.notFound("no session " + abbreviate(sid)));
    ctx.json(Answers.session(entry.snapshotJson(), entry.advice()));
  }

  private void list(RoutingContext ctx) {
    auth.operator(ctx);
    String phaseParam = ctx.request().getParam("phase");
    Phase phase = null;
    if (phaseParam != null && !phaseParam.isEmpty()) {
      try {
        phase = Phase.parse(phaseParam.toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("phase", "must be one of " + List.of(Phase.values()));
      }
    }
    int limit = 50;
    String limitParam = ctx.request().getParam("limit");
    if (limitParam != null) {
      try {
        limit = Integer.parseInt(limitParam);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("limit", "must be an integer");
      }
      if (limit < 1 || limit > 500) {
        throw ApiException.badRequest("limit", "must be between 1 and 500");
      }
    }
    String after = ctx.request().getParam("after");
    List<StateView.Entry> page = view.page(phase, after == null || after.isEmpty() ? null : after, limit);
    JsonArray sessions = new JsonArray();
    page.forEach(e -> sessions.add(Answers.listed(e.snapshotJson(), e.advice())));
    ctx.json(new JsonObject()
        .put("sessions", sessions)
        .put("next_after", page.size() == limit ? page.get(page.size() - 1).sessionId() : null)
        .put("total_sessions", view.size()));
  }

  // ---- helpers ----

  private void addViewFacts(JsonObject answer, String sid) {
    view.get(sid).ifPresent(e -> {
      answer.put("phase", e.phase().name());
      if (e.advice() != null) {
        answer.put("advice", new JsonObject(e.advice().toMap()));
      }
    });
  }

  private static String sessionId(RoutingContext ctx) {
    String sid = ctx.pathParam("id");
    if (sid == null || !SESSION_ID.matcher(sid).matches()) {
      throw ApiException.badRequest("id", "is not a session id");
    }
    return sid;
  }

  private static Commands.Caller caller(SessionHandle handle) {
    return new Commands.Caller(handle.userId(), handle.deviceId(), handle.secretExpiresAt().toEpochMilli(),
        handle.tenantId());
  }

  private long occurredAt(Map<String, Object> m, long now) {
    long at = Fields.integer(m, "occurred_at_ms", false, 946_684_800_000L, 4_102_444_800_000L);
    if (at == Long.MIN_VALUE) {
      return now;
    }
    if (at > now + config.maxClockAhead().toMillis()) {
      throw new InvalidSummaryException("occurred_at_ms", "is " + (at - now) + " ms ahead of the server clock");
    }
    return at;
  }

  private void chargeOrRefuse(RoutingContext ctx, String endpoint, String sid, SessionHandle handle, int events) {
    try {
      limits.charge(ctx, sid, handle, events);
    } catch (ApiException e) {
      metrics.rejected(endpoint, e.code());
      throw e;
    }
  }

  /** While Kafka is known to be down a write is refused at once, not queued for the producer's delivery timeout. */
  private void refuseWhileKafkaDown(RoutingContext ctx, String endpoint) {
    if (gate.down()) {
      metrics.rejected(endpoint, "unavailable");
      throw retryLater(ctx, "Kafka is unavailable (" + gate.reason() + "): nothing was written, retry the same "
          + "request later");
    }
  }

  /** What is left of the request's deadline, in ms. */
  private long remainingMs(long startNs) {
    return deadlineMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
  }

  /** The owner's reply, waited for at most {@code REPLY_TIMEOUT} and never past the request's deadline. */
  private Future<JsonObject> replyWithin(Future<JsonObject> reply, long startNs) {
    long wait = Math.min(config.replyTimeout().toMillis(), remainingMs(startNs));
    if (reply.isComplete()) {
      return reply;
    }
    return wait <= 0 ? Future.failedFuture("request deadline reached") : reply.timeout(wait, TimeUnit.MILLISECONDS);
  }

  private void unavailable(RoutingContext ctx, String endpoint, Throwable cause) {
    metrics.rejected(endpoint, "unavailable");
    LOG.warn("could not write a {} command to Kafka: {}", endpoint, cause.toString());
    String what = cause instanceof KafkaGate.DeadlineExceeded ? "Kafka did not acknowledge within the request "
        + "deadline of " + deadlineMs + " ms" : "Kafka did not acknowledge the request";
    fail(ctx, retryLater(ctx, what + ": retry it (what was written already is recognized by its sequence or id and "
        + "applied once)"));
  }

  private static ApiException retryLater(RoutingContext ctx, String message) {
    ctx.response().putHeader("Retry-After", "1");
    return new ApiException(503, "unavailable", message, new JsonObject().put("retry_after_ms", 1000));
  }

  private static void fail(RoutingContext ctx, ApiException e) {
    ctx.fail(e);
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
