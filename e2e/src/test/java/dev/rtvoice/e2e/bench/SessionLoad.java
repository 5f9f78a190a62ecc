package dev.rtvoice.e2e.bench;

import dev.rtvoice.e2e.bench.LoadStats.Kind;
import dev.rtvoice.e2e.harness.IdentityProvider;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongToDoubleFunction;

/**
 * Thousands of simulated voice sessions on one event loop, as their frontends would behave: each
 * gets a client secret from token-service, reports its turns to session-service (the user speaks,
 * the model answers; every few turns the user barges in with an interrupt) and sends its latency
 * telemetry in batches every few seconds to metrics-service, and rotates its secret before the TTL
 * ends. Requests go round robin over a service's instances (a load balancer), asynchronously
 * through one pooled HTTP client: no thread per session. A session has at most one request of a
 * kind in flight and queues a bounded few behind it; a retryable answer (429, 503, a 5xx other
 * than a final 502, a connection error) is sent again, the same body, after {@code Retry-After} or
 * a backoff, at most {@link #MAX_ATTEMPTS} times; every attempt's answer is counted.
 */
final class SessionLoad implements AutoCloseable {
  /**
   * @param sessions concurrent sessions
   * @param turnSeconds one turn (start, and its end half a period later) per session this often
   * @param telemetrySeconds one telemetry batch per session this often
   * @param interruptEvery every n-th turn the user barges in
   * @param connectionsPerInstance the HTTP pool's connections to each service instance
   */
  record Settings(int sessions, double turnSeconds, double telemetrySeconds, int interruptEvery,
                  int connectionsPerInstance) {
    /** Client events per second the schedule calls for (a turn: 6 events, then 3, or 2 and an interrupt). */
    double eventsPerSecond() {
      double endEvents = (3.0 * (interruptEvery - 1) + 2.0) / interruptEvery;
      return sessions * (6 + endEvents) / turnSeconds;
    }

    double samplesPerSecond() {
      return sessions * STAGES.size() / turnSeconds;
    }

    double batchesPerSecond() {
      return sessions / telemetrySeconds;
    }
  }

  /** Where the first-audio samples go as their batch is first sent (the benchmark's ledger and system B). */
  interface FirstAudioSink {
    void sent(long occurredAtMs, long sentAtMs, double valueMs);

    /** A rotation the suite answered as failed (system B counts it too). */
    void rotationFailed();
  }

  static final List<String> STAGES = List.of("capture", "uplink", "downlink", "playback", "first_audio", "full_turn");
  static final int TTL_SECONDS = 300;
  static final int MAX_ATTEMPTS = 4;
  /** A session makes no new turn while more requests than this wait (bounds its queue at about this + 3). */
  private static final int MAX_QUEUED_STEPS = 4;
  private static final int MAX_BUFFERED_SAMPLES = 500;
  private static final long ADVICE_SETTLE_MS = 5_000;
  private static final int ISSUES_IN_FLIGHT = 32;
  private static final String PLATFORM = "web";

  private final Settings settings;
  private final List<String> tokenUrls;
  private final List<String> sessionUrls;
  private final List<String> metricsUrls;
  private final IdentityProvider identity;
  private final LongToDoubleFunction firstAudioMedianAt;
  private final FirstAudioSink sink;
  private final Random random;
  private final LoadStats stats = new LoadStats();
  private final Vertx vertx;
  private final Context context;
  private final HttpClientAgent http;
  private final List<SimSession> sessions = new ArrayList<>();
  private final AtomicInteger tokenCallsInFlight = new AtomicInteger();
  private final AtomicInteger requestsInFlight = new AtomicInteger();
  private volatile boolean tokenCallsPaused;
  private volatile boolean running;
  private long roundRobin;
  private long tickTimer = -1;

  SessionLoad(Settings settings, List<String> tokenUrls, List<String> sessionUrls, List<String> metricsUrls,
              IdentityProvider identity, long seed, LongToDoubleFunction firstAudioMedianAt, FirstAudioSink sink) {
    this.settings = settings;
    this.tokenUrls = tokenUrls;
    this.sessionUrls = sessionUrls;
    this.metricsUrls = metricsUrls;
    this.identity = identity;
    this.firstAudioMedianAt = firstAudioMedianAt;
    this.sink = sink;
    this.random = new Random(seed);
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    this.context = vertx.getOrCreateContext();
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5_000)
            .setIdleTimeout(60).setIdleTimeoutUnit(TimeUnit.SECONDS),
        new PoolOptions().setHttp1MaxSize(settings.connectionsPerInstance()).setMaxWaitQueueSize(-1));
  }

  LoadStats stats() {
    return stats;
  }

  /** Issues every session a client secret (a bounded number at a time); fails if any is refused. */
  void issueAll(Duration timeout) throws java.util.concurrent.TimeoutException {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      for (int i = 0; i < settings.sessions(); i++) {
        sessions.add(new SimSession(i));
      }
      Deque<SimSession> pending = new ArrayDeque<>(sessions);
      AtomicInteger left = new AtomicInteger(sessions.size());
      if (sessions.isEmpty()) {
        done.complete();
      }
      for (int i = 0; i < ISSUES_IN_FLIGHT; i++) {
        issueNext(pending, left, done);
      }
    });
    done.future().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void issueNext(Deque<SimSession> pending, AtomicInteger left, Promise<Void> done) {
    SimSession s = pending.poll();
    if (s == null) {
      return;
    }
    s.issue().onComplete(r -> {
      if (r.failed()) {
        done.tryFail(r.cause());
        return;
      }
      if (left.decrementAndGet() == 0) {
        done.tryComplete();
      }
      issueNext(pending, left, done);
    });
  }

  /** Starts every session's turns, telemetry and rotations, each at a random phase of its period. */
  void run() {
    running = true;
    context.runOnContext(v -> {
      long now = System.currentTimeMillis();
      for (SimSession s : sessions) {
        s.schedule(now);
      }
      tickTimer = vertx.setPeriodic(20, id -> tick());
    });
  }

  /**
   * Holds every token-service call (issuance and rotation) back and waits for those in flight: the
   * benchmark's own failed rotation then meets an upstream fault no other call consumes.
   */
  void pauseTokenCalls(Duration timeout) throws InterruptedException {
    tokenCallsPaused = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (tokenCallsInFlight.get() > 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(tokenCallsInFlight.get() + " token-service calls still in flight");
      }
      Thread.sleep(10);
    }
  }

  void resumeTokenCalls() {
    tokenCallsPaused = false;
  }

  /** Stops scheduling; waits (at most {@code timeout}) for the requests in flight to be answered. */
  void stop(Duration timeout) throws InterruptedException {
    running = false;
    context.runOnContext(v -> vertx.cancelTimer(tickTimer));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (requestsInFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** Each session's phase in session-service's read view now (GET, answered by any instance), counted. */
  java.util.Map<String, Integer> phases(Duration timeout) throws java.util.concurrent.TimeoutException {
    Promise<java.util.Map<String, Integer>> done = Promise.promise();
    context.runOnContext(v -> {
      java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
      List<Future<String>> asked = new ArrayList<>();
      for (SimSession s : sessions) {
        asked.add(s.phase());
      }
      Future.join(asked).onComplete(ar -> {
        for (Future<String> f : asked) {
          counts.merge(f.succeeded() ? f.result() : "(no answer)", 1, Integer::sum);
        }
        done.complete(counts);
      });
    });
    return done.future().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    running = false;
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void tick() {
    if (!running) {
      return;
    }
    long now = System.currentTimeMillis();
    for (SimSession s : sessions) {
      s.tick(now);
    }
  }

  private String next(List<String> urls) {
    return urls.get((int) (roundRobin++ % urls.size()));
  }

  private long period(double seconds) {
    return Math.round(seconds * 1000);
  }

  /** A response: status, body, Retry-After; status -1 for a connection error or timeout. */
  private record Answer(int status, String body, String retryAfter) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    boolean retryable(Kind kind) {
      // a rotation's 502 is final: the upstream refused after token-service's own retries
      return status < 0 || status == 408 || status == 429 || (status >= 500 && !(kind == Kind.ROTATE && status == 502));
    }
  }

  /** One request, sent again on a retryable answer, the same body; completes with the final answer. */
  private Future<Answer> send(Kind kind, List<String> urls, String path, String body, String... headers) {
    Promise<Answer> result = Promise.promise();
    attempt(kind, urls, path, body, headers, 1, result);
    return result.future();
  }

  private void attempt(Kind kind, List<String> urls, String path, String body, String[] headers, int n,
                       Promise<Answer> result) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(next(urls) + path)
        .setIdleTimeout(15_000).putHeader("Content-Type", "application/json");
    for (int i = 0; i < headers.length; i += 2) {
      options.putHeader(headers[i], headers[i + 1]);
    }
    long sent = System.nanoTime();
    requestsInFlight.incrementAndGet();
    http.request(options)
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b.toString(), resp.getHeader("Retry-After"))))
        .otherwise(e -> new Answer(-1, String.valueOf(e.getMessage()), null))
        .onSuccess(a -> {
          requestsInFlight.decrementAndGet();
          if (a.status() < 0) {
            stats.connectionError(kind, a.body());
          } else {
            stats.answered(kind, a.status(), (System.nanoTime() - sent) / 1_000_000, a.body());
          }
          if (a.retryable(kind) && n < MAX_ATTEMPTS && running) {
            stats.retried(kind);
            vertx.setTimer(backoffMs(a.retryAfter(), n), id -> attempt(kind, urls, path, body, headers, n + 1, result));
            return;
          }
          stats.finished(kind, a.ok());
          result.complete(a);
        });
  }

  private long backoffMs(String retryAfter, int attempt) {
    long jitter = random.nextLong(250L << Math.min(attempt, 5)) + 1;
    if (retryAfter != null) {
      try {
        return Math.max(jitter, Math.min(10_000, Long.parseLong(retryAfter.trim()) * 1000));
      } catch (NumberFormatException ignored) {
        // an HTTP date: the backoff decides
      }
    }
    return jitter;
  }

  /** One simulated frontend. Touched only on the generator's event loop. */
  private final class SimSession {
    private final String userId;
    private final String deviceId;
    private String sessionId;
    private String rotationToken;
    private long rotateAt;
    private long nextTurnAt;
    private long turnEndAt = -1;
    private long nextTelemetryAt;
    private long seq;
    private int turn;
    private long lastEventTime;
    private boolean rotating;
    private boolean telemetryInFlight;
    private boolean stepInFlight;
    private boolean recovering;
    private long recoveredAt;
    private int recoveries;
    private final Deque<Step> steps = new ArrayDeque<>();
    private final List<JsonObject> buffer = new ArrayList<>();

    SimSession(int index) {
      String run = Long.toString(System.currentTimeMillis(), 36);
      this.userId = "bench-user-" + run + "-" + index;
      this.deviceId = "bench-device-" + run + "-" + index;
    }

    Future<Void> issue() {
      tokenCallsInFlight.incrementAndGet();
      return send(Kind.ISSUE, tokenUrls, "/v1/sessions", new JsonObject().put("ttl_seconds", TTL_SECONDS).encode(),
          "Authorization", "Bearer " + identity.userToken(userId, Duration.ofMinutes(30)), "X-Device-ID", deviceId)
          .andThen(a -> tokenCallsInFlight.decrementAndGet())
          .compose(a -> {
            if (a.status() != 201) {
              return Future.failedFuture(new IllegalStateException("issuance for " + userId + " answered "
                  + a.status() + ": " + a.body()));
            }
            accept(new JsonObject(a.body()));
            return Future.succeededFuture();
          });
    }

    private void accept(JsonObject issued) {
      sessionId = issued.getString("session_id");
      rotationToken = issued.getString("rotation_token");
      // rotate at 60 to 85 % of the TTL, spread so that rotations do not come in waves
      rotateAt = System.currentTimeMillis() + (long) (TTL_SECONDS * 1000 * (0.60 + 0.25 * random.nextDouble()));
    }

    void schedule(long now) {
      nextTurnAt = now + (long) (random.nextDouble() * period(settings.turnSeconds()));
      nextTelemetryAt = now + (long) (random.nextDouble() * period(settings.telemetrySeconds()));
      enqueue(new Step("/events", body(PLATFORM, event("client.connected", time(now)))), now);
    }

    void tick(long now) {
      if (now >= nextTurnAt) {
        nextTurnAt += period(settings.turnSeconds());
        if (steps.size() > MAX_QUEUED_STEPS || recovering) {
          // earlier turns still wait for their answers, or the session reconnects: this turn is not
          // made at all (no gap in seq)
          stats.skipped(Kind.EVENTS);
        } else {
          turnStart(now);
          turnEndAt = now + period(settings.turnSeconds()) / 2;
        }
      }
      if (turnEndAt >= 0 && now >= turnEndAt) {
        turnEndAt = -1;
        turnEnd(now);
      }
      if (now >= nextTelemetryAt) {
        nextTelemetryAt += period(settings.telemetrySeconds());
        sendTelemetry();
      }
      if (now >= rotateAt && !rotating && !tokenCallsPaused) {
        rotate();
      }
    }

    private void turnStart(long now) {
      long t = time(now);
      turn++;
      String rid = "resp_" + turn;
      String item = "item_" + turn;
      enqueue(new Step("/events", body(null,
          event("input_audio_buffer.speech_started", t),
          event("input_audio_buffer.speech_stopped", t + 300),
          event("conversation.item.input_audio_transcription.completed", t + 320, "transcript", "user turn " + turn),
          event("response.created", t + 350, "response_id", rid),
          event("response.output_item.added", t + 360, "response_id", rid, "item_id", item),
          event("response.output_audio.delta", t + 600, "response_id", rid, "item_id", item))), now);
      recordTurnSamples(now);
    }

    private void turnEnd(long now) {
      long t = time(now);
      String rid = "resp_" + turn;
      String item = "item_" + turn;
      if (turn % settings.interruptEvery() == 0) {
        enqueue(new Step("/interrupt", new JsonObject().put("interrupt_id", "int_" + turn).put("audio_end_ms", 240)
            .put("response_id", rid).put("item_id", item).put("occurred_at_ms", t)), now);
        enqueue(new Step("/events", body(null,
            event("response.output_audio.delta", t + 40, "response_id", rid, "item_id", item),
            event("response.done", t + 80, "response_id", rid, "status", "cancelled"))), now);
      } else {
        enqueue(new Step("/events", body(null,
            event("response.output_audio.done", t, "response_id", rid, "item_id", item),
            event("response.output_audio_transcript.done", t + 10, "response_id", rid, "item_id", item,
                "transcript", "assistant turn " + turn),
            event("response.done", t + 20, "response_id", rid, "status", "completed"))), now);
      }
    }

    /** The turn's latency as the frontend measured it; first audio from the scenario's distribution. */
    private void recordTurnSamples(long now) {
      double firstAudio = firstAudioMedianAt.applyAsDouble(now) * Math.exp(0.35 * random.nextGaussian());
      for (String stage : STAGES) {
        double value = switch (stage) {
          case "capture", "uplink" -> 40 + random.nextInt(60);
          case "downlink" -> 20 + random.nextInt(60);
          case "playback" -> 50 + random.nextInt(100);
          case "first_audio" -> firstAudio;
          default -> firstAudio + 1_500;
        };
        if (buffer.size() >= MAX_BUFFERED_SAMPLES) {
          buffer.remove(0);
          stats.samplesDroppedByClient.increment();
        }
        buffer.add(new JsonObject().put("stage", stage).put("value_ms", value).put("turn", turn)
            .put("occurred_at", now).put("platform", PLATFORM));
      }
    }

    private void sendTelemetry() {
      if (buffer.isEmpty()) {
        return;
      }
      if (telemetryInFlight) {
        stats.skipped(Kind.TELEMETRY); // the samples stay buffered for the next batch
        return;
      }
      List<JsonObject> batch = new ArrayList<>(buffer);
      buffer.clear();
      telemetryInFlight = true;
      long sentAt = System.currentTimeMillis();
      for (JsonObject sample : batch) {
        if (sample.getString("stage").equals("first_audio")) {
          sink.sent(sample.getLong("occurred_at"), sentAt, sample.getDouble("value_ms"));
        }
      }
      String body = new JsonObject().put("session_id", sessionId).put("batch_id", UUID.randomUUID().toString())
          .put("samples", new JsonArray(new ArrayList<>(batch))).encode();
      send(Kind.TELEMETRY, metricsUrls, "/v1/telemetry", body, "Authorization", "Bearer " + rotationToken)
          .onSuccess(a -> {
            telemetryInFlight = false;
            if (a.status() != 200) {
              return;
            }
            JsonArray rejections = new JsonObject(a.body()).getJsonArray("rejections", new JsonArray());
            for (Object r : rejections) {
              stats.rejected(((JsonObject) r).getString("reason"));
            }
            stats.samplesRejected.add(rejections.size());
            stats.samplesAccepted.add(batch.size() - rejections.size());
          });
    }

    Future<String> phase() {
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
          .setAbsoluteURI(next(sessionUrls) + "/v1/sessions/" + sessionId).setIdleTimeout(15_000)
          .putHeader("Authorization", "Bearer " + rotationToken);
      return http.request(options).compose(req -> req.send())
          .compose(resp -> resp.body().map(b -> resp.statusCode() == 200
              ? String.valueOf(new JsonObject(b.toString()).getString("phase")) : "HTTP " + resp.statusCode()));
    }

    private void rotate() {
      rotating = true;
      tokenCallsInFlight.incrementAndGet();
      send(Kind.ROTATE, tokenUrls, "/v1/sessions/" + sessionId + "/rotate",
          new JsonObject().put("rotation_token", rotationToken).encode(),
          "Authorization", "Bearer " + identity.userToken(userId, Duration.ofMinutes(30)), "X-Device-ID", deviceId)
          .onSuccess(a -> {
            tokenCallsInFlight.decrementAndGet();
            rotating = false;
            if (a.status() == 200) {
              accept(new JsonObject(a.body()));
            } else {
              if (a.status() == 502) {
                sink.rotationFailed();
              }
              rotateAt = System.currentTimeMillis() + 5_000; // the old secret still has a while to live
            }
          });
    }

    private void enqueue(Step step, long now) {
      steps.addLast(step);
      pump();
    }

    private void pump() {
      if (stepInFlight || steps.isEmpty()) {
        return;
      }
      Step step = steps.peekFirst();
      stepInFlight = true;
      send(step.kind(), sessionUrls, "/v1/sessions/" + sessionId + step.path(), step.body().encode(),
          "Authorization", "Bearer " + rotationToken)
          .onSuccess(a -> {
            steps.pollFirst();
            stepInFlight = false;
            if (a.ok() && step.kind() == Kind.EVENTS) {
              stats.eventsAccepted.add(step.body().getJsonArray("events").size());
            }
            if (step.endsRecovery()) {
              recovering = false;
              recoveredAt = System.currentTimeMillis();
            }
            followAdvice(a);
            pump();
          });
    }

    /**
     * What the client library does when an answer advises recovery (the session went RECOVERING: an
     * interrupt's acknowledgement came too late on its clock, say): {@code /recover} with the
     * advised reason, then {@code client.reconnected}, behind what is already queued.
     */
    private void followAdvice(Answer a) {
      // the read view that answers may not show the recovery just made for a moment
      if (recovering || System.currentTimeMillis() - recoveredAt < ADVICE_SETTLE_MS || a.body() == null
          || !a.body().startsWith("{")) {
        return;
      }
      JsonObject body;
      try {
        body = new JsonObject(a.body());
      } catch (RuntimeException notJson) {
        return;
      }
      JsonObject advice = body.getJsonObject("advice");
      if (advice == null && body.getJsonObject("error") != null) {
        advice = body.getJsonObject("error").getJsonObject("advice");
      }
      if (advice == null || !"recover".equals(advice.getString("action"))) {
        return;
      }
      recovering = true;
      String reason = advice.getString("reason", "advised");
      long now = System.currentTimeMillis();
      enqueue(new Step("/recover", new JsonObject().put("reason", reason)
          .put("recovery_id", "rec_" + (++recoveries)).put("occurred_at_ms", time(now))), now);
      enqueue(new Step("/events", body(null, event("client.reconnected", time(now), "reason", reason))), now);
    }

    private long time(long now) {
      // event time never goes back, even if the wall clock does
      lastEventTime = Math.max(lastEventTime + 1_000, now);
      return lastEventTime;
    }

    private JsonObject event(String type, long occurredAtMs, Object... fields) {
      JsonObject e = new JsonObject().put("type", type).put("seq", ++seq).put("occurred_at_ms", occurredAtMs);
      for (int i = 0; i < fields.length; i += 2) {
        e.put((String) fields[i], fields[i + 1]);
      }
      return e;
    }

    private static JsonObject body(String platform, JsonObject... events) {
      JsonObject body = new JsonObject().put("events", new JsonArray(List.of((Object[]) events)));
      if (platform != null) {
        body.put("platform", platform);
      }
      return body;
    }
  }

  /** One request to session-service: {@code /events} (a batch), {@code /interrupt} or {@code /recover}. */
  private record Step(String path, JsonObject body) {
    Kind kind() {
      return switch (path) {
        case "/interrupt" -> Kind.INTERRUPT;
        case "/recover" -> Kind.RECOVER;
        default -> Kind.EVENTS;
      };
    }

    boolean endsRecovery() {
      return kind() == Kind.EVENTS && body.getJsonArray("events").getJsonObject(0).getString("type")
          .equals("client.reconnected");
    }
  }
}
