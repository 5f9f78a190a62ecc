package dev.rtvoice.sessions.bench;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.sessions.it.FloodingSession;
import dev.rtvoice.sessions.it.Harness;
import dev.rtvoice.upstreamsim.UpstreamSimVerticle;
import dev.rtvoice.upstreamsim.config.SimConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Interrupt-to-sideband-cancel latency at a fixed interrupt rate (default 500/s): from the moment the
 * client's {@code POST /interrupt} is due to the moment a minimal WebSocket receiver of the bench (a
 * peer connection on the same call) receives upstream-sim's {@code response.done} with status
 * cancelled, which the simulator sends when the service's own {@code response.cancel} reaches it over
 * the sideband. This is an upper bound of interrupt-to-cancel-received (it adds the simulator's
 * handling and one more loopback hop). The client never sends its own cancel here. Open model: interrupt i is due at {@code start + i/rate} whatever happened to the
 * ones before it, and its latency is counted from that due time (no coordinated omission).
 *
 * <p>Set-up per round: every session is SPEAKING a live upstream response (the client reported the
 * call id, so the service holds a sideband; a peer connection of the bench asked upstream for a
 * response, whose events reached the session over the sideband). Then the round's interrupts are
 * fired at the rate, one per session, and the session returns to LISTENING when upstream's
 * {@code response.done} (cancelled) comes back. Service, simulator and generator share this JVM and
 * the machine's 2 cores with the broker.
 *
 * <pre>
 * MAVEN_OPTS=-Xmx1g mvn -o -q -pl session-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.rtvoice.sessions.bench.InterruptCancelLoadGenerator -Dexec.args="500 500 5"
 * </pre>
 * Arguments: interrupts per second, sessions (interrupts per round), measured rounds (after a warm-up
 * of at least one round, or one pair, that goes on until this JVM's JIT compiled for under 3 % of the
 * last warm-up unit's time, at most 40 rounds), and
 * optionally {@code flood}: one more session floods held out-of-order transcripts for the whole run
 * ({@link FloodingSession}, as in {@code FloodIsolationIT}; the byte rate limits are turned off so that
 * all of it reaches Kafka), or {@code alternate}: rounds without and with the flood alternate (the
 * warm-up in pairs too), so that whatever else loads the machine weighs on both alike, and both are reported
 * with their ratio.
 */
public final class InterruptCancelLoadGenerator {
  private static final String KEY = "sk-bench-sideband-key";
  private static final int MAX_WARMUP_ROUNDS = 40;

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int sessions = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    String mode = args.length > 3 ? args[3] : "quiet";
    if (!List.of("quiet", "flood", "alternate").contains(mode)) {
      throw new IllegalArgumentException("the 4th argument is flood or alternate, got " + mode);
    }
    boolean flood = !mode.equals("quiet");
    boolean alternate = mode.equals("alternate");
    // at least these warm-up rounds (a pair when alternating), then more until this JVM's JIT is quiet
    int minWarmups = alternate ? 2 : 1;

    Vertx simVertx = Vertx.vertx();
    UpstreamSimVerticle sim = new UpstreamSimVerticle(SimConfig.fromEnv(new Env(Map.of("SIM_PORT", "0",
        "SIM_API_KEY", KEY, "SIM_AUDIO_DELTAS", "1000", "SIM_DELTA_INTERVAL", "60s"))),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    simVertx.deployVerticle(sim).await(10, TimeUnit.SECONDS);
    String simBase = "http://127.0.0.1:" + sim.port();
    Map<String, String> env = new java.util.HashMap<>(Map.of("OPENAI_API_KEY", KEY, "UPSTREAM_BASE_URL", simBase,
        "SIDEBAND_MAX_CONNECTIONS", Integer.toString(sessions + 10)));
    if (flood) {
      env.putAll(Map.of("RATE_LIMIT_SESSION_BYTES_PER_SECOND", "0", "RATE_LIMIT_USER_BYTES_PER_SECOND", "0"));
    }
    try (BenchSupport bench = new BenchSupport(env)) {
      HttpClient simHttp = bench.clientVertx.createHttpClient();
      // one long-lived peer per call: the default pool (50 per host) would queue the rest forever
      WebSocketClient ws = bench.clientVertx.createWebSocketClient(
          new io.vertx.core.http.WebSocketClientOptions().setMaxConnections(sessions + 10));
      List<Session> all = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        all.add(new Session("int-" + i, "rtc_bench_" + i));
      }
      // peers first, then each client reports its call: the service opens its sideband
      List<Future<?>> connecting = new ArrayList<>();
      for (Session s : all) {
        connecting.add(ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(sim.port())
            .setURI("/v1/realtime?call_id=" + s.callId).addHeader("Authorization", "Bearer " + KEY)).map(socket -> {
              s.peer = socket;
              socket.textMessageHandler(t -> s.onPeer(new JsonObject(t)));
              return socket;
            }));
      }
      Future.all(connecting).await(60, TimeUnit.SECONDS);
      System.out.println("peers connected");
      for (Session s : all) {
        s.post(bench, s.event("client.connected", "call_id", s.callId)).await(30, TimeUnit.SECONDS);
      }
      System.out.println("calls reported");
      awaitCondition("every sideband connected", () -> simState(simHttp, sim.port()).getJsonArray("calls").stream()
          .map(JsonObject.class::cast).filter(c -> c.getInteger("connections") == 2).count() == sessions);

      FloodingSession flooder = flood
          ? new FloodingSession(bench.clientVertx, bench.port, "flood-" + java.util.UUID.randomUUID()) : null;
      // [0]: rounds without the flood, [1]: with it
      Histogram[] total = {new Histogram(60_000, 3), new Histogram(60_000, 3)};
      Histogram[] httpAnswer = {new Histogram(60_000, 3), new Histogram(60_000, 3)};
      java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
      int warmups = -1;  // known once the warm-up is over
      long unitStartNs = System.nanoTime();
      long unitJitMs = jit.getTotalCompilationTime();
      for (int round = 0; warmups < 0 || round < warmups + rounds; round++) {
        boolean warmingUp = warmups < 0;
        boolean flooding = flood && (!alternate || round % 2 == 1);
        if (flooder != null) {
          flooder.flood(flooding);
        }
        prepare(bench, all);
        System.out.println("round " + round + " prepared");
        Histogram atSim = new Histogram(60_000, 3);
        Histogram answered = new Histogram(60_000, 3);
        long start = System.currentTimeMillis() + 50;
        long startNs = System.nanoTime() + 50_000_000L;
        for (int i = 0; i < all.size(); i++) {
          Session s = all.get(i);
          long dueNs = startNs + (long) (i * 1e9 / rate);
          long dueMs = start + (long) (i * 1000.0 / rate);
          long wait = dueNs - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          s.interruptId = "i" + round + "_" + i;
          s.dueMs = dueMs;
          s.dueNs = dueNs;
          bench.clientVertx.runOnContext(v -> s.interrupt(bench).onComplete(ar -> {
            if (ar.failed() || ar.result().status() != 200) {
              System.out.println(s.id + ": interrupt answered " + (ar.failed() ? ar.cause() : ar.result().status()
                  + " " + ar.result().body()));
            }
            synchronized (answered) {
              answered.recordValue(Math.max(0, (System.nanoTime() - dueNs) / 1_000_000));
            }
          }));
        }
        double firedSeconds = (System.nanoTime() - startNs) / 1e9;
        awaitCondition("every session back to LISTENING", () -> all.stream().allMatch(s -> s.cancelledSeen));
        awaitCondition("every interrupt answered", () -> {
          synchronized (answered) {
            return answered.getTotalCount() == all.size();
          }
        });
        for (Session s : all) {
          atSim.recordValue(Math.max(0, (s.cancelledNs - s.dueNs) / 1_000_000));
        }
        System.out.printf("round %d%s, flood %s: %d interrupts in %.2f s (%.0f/s); interrupt->cancel ms: %s; "
                + "interrupt answered ms: %s%n", round, warmingUp ? " (warm-up)" : "", flooding ? "on" : "off",
            all.size(), firedSeconds, all.size() / firedSeconds, describe(atSim), describe(answered));
        if (!warmingUp) {
          total[flooding ? 1 : 0].add(atSim);
          httpAnswer[flooding ? 1 : 0].add(answered);
        } else if ((round + 1) % minWarmups == 0) {
          // a unit of warm-up (a pair when alternating, so that the measured rounds start without the flood)
          // ends it once the JIT compiled for under 3 % of the unit's wall time: measured before, a round's p99
          // was mostly the compiler's (20 to 50 ms in the first rounds, half that later in the same run)
          long wallMs = (System.nanoTime() - unitStartNs) / 1_000_000;
          long jitMs = jit.getTotalCompilationTime() - unitJitMs;
          boolean quiet = jitMs < wallMs * 3 / 100;
          System.out.printf("  warm-up: JIT %d ms in %d ms%s%n", jitMs, wallMs, quiet ? ", quiet: measuring" : "");
          if (quiet || round + 1 >= MAX_WARMUP_ROUNDS) {
            warmups = round + 1;
          }
          unitStartNs = System.nanoTime();
          unitJitMs = jit.getTotalCompilationTime();
        }
      }
      if (flooder != null) {
        flooder.flood(false);
        System.out.println("flood: " + flooder.describe());
      }
      for (int f = 0; f < 2; f++) {
        if (total[f].getTotalCount() > 0) {
          System.out.printf("RESULT flood %s: %d interrupts at %d/s: interrupt -> upstream cancelled the response (its "
              + "response.done, cancelled, received by a peer on the call): %s; HTTP answer of the interrupt: %s%n",
              f == 1 ? "on " : "off", total[f].getTotalCount(), rate, describe(total[f]), describe(httpAnswer[f]));
        }
      }
      if (alternate && total[0].getTotalCount() > 0) {
        System.out.printf("RESULT p99 with the flood / without it, same run, rounds interleaved: %.2f%n",
            total[1].getValueAtPercentile(99) / (double) Math.max(1, total[0].getValueAtPercentile(99)));
      }
    } finally {
      simVertx.close().await(10, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  /** Every session: the user stops speaking, upstream starts a response; wait until each is SPEAKING it. */
  private static void prepare(BenchSupport bench, List<Session> all) throws Exception {
    for (Session s : all) {
      s.cancelledSeen = false;
      s.responseId = null;
      s.post(bench, s.event("input_audio_buffer.speech_stopped")).await(30, TimeUnit.SECONDS);
    }
    for (Session s : all) {
      s.peer.writeTextMessage(new JsonObject().put("type", "response.create").encode()).await(10, TimeUnit.SECONDS);
    }
    // the peer sees the same broadcasts as the service's sideband; the service then needs a moment to
    // apply them through Kafka (the interrupt also names the response, as a client would)
    awaitCondition("every response started", () -> all.stream().allMatch(s -> s.speaking));
    Thread.sleep(1500);
    all.forEach(s -> s.speaking = false);
  }

  private static String describe(Histogram h) {
    return String.format("p50 %d, p90 %d, p99 %d, p99.9 %d, max %d (n=%d)", h.getValueAtPercentile(50),
        h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(),
        h.getTotalCount());
  }

  private static JsonObject simState(HttpClient http, int port) {
    return getJson(http, port, "/admin/state");
  }

  private static JsonObject getJson(HttpClient http, int port, String path) {
    try {
      return http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
              .setURI(path)).compose(r -> r.send()).compose(r -> r.body()).map(JsonObject::new)
          .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void awaitCondition(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out: " + what);
      }
      Thread.sleep(50);
    }
  }

  /** One session: its client (HTTP) and its WebRTC side (a peer WebSocket on the same call). */
  private static final class Session {
    final String id;
    final String callId;
    final String token;
    WebSocket peer;
    long seq;
    /** Event time of the client's reports: wall time, as the sideband's events are stamped on receipt. */
    long now;
    volatile String responseId;
    volatile boolean cancelledSeen;
    volatile boolean speaking;
    volatile String interruptId;
    volatile long dueMs;
    volatile long dueNs;
    volatile long cancelledNs;

    Session(String id, String callId) {
      this.id = id;
      this.callId = callId;
      this.token = Harness.token(id, Instant.now().plusSeconds(7200));
    }

    JsonObject event(String type, Object... fields) {
      now = Math.max(now + 1, System.currentTimeMillis());
      JsonObject e = new JsonObject().put("type", type).put("seq", ++seq).put("occurred_at_ms", now);
      for (int i = 0; i < fields.length; i += 2) {
        e.put((String) fields[i], fields[i + 1]);
      }
      return e;
    }

    Future<BenchSupport.Answer> post(BenchSupport bench, JsonObject event) {
      return bench.post("/v1/sessions/" + id + "/events", token, new JsonObject().put("platform", "web")
          .put("events", new JsonArray().add(event)).toBuffer()).map(a -> {
            if (a.status() != 202) {
              throw new IllegalStateException(id + ": " + a.body());
            }
            return a;
          });
    }

    Future<BenchSupport.Answer> interrupt(BenchSupport bench) {
      now = Math.max(now + 1, System.currentTimeMillis());
      JsonObject body = new JsonObject().put("interrupt_id", interruptId).put("audio_end_ms", 200)
          .put("response_id", responseId).put("occurred_at_ms", now);
      return bench.post("/v1/sessions/" + id + "/interrupt", token, body.toBuffer());
    }

    void onPeer(JsonObject e) {
      String type = e.getString("type");
      if ("response.created".equals(type)) {
        responseId = e.getJsonObject("response").getString("id");
      } else if ("response.output_audio.delta".equals(type) && e.getString("response_id").equals(responseId)) {
        speaking = true;
      } else if ("response.done".equals(type)
          && "cancelled".equals(e.getJsonObject("response").getString("status"))) {
        cancelledNs = System.nanoTime();
        cancelledSeen = true;
      }
    }
  }
}
