package dev.rtvoice.sessions.it;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.sessions.SessionServiceMain;
import dev.rtvoice.sessions.SessionServiceVerticle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Test helpers: the service in-process against the real broker, rotation tokens, and a client per session. */
public final class Harness {
  /** The handle key the tests share with the service (what token-service would sign with). */
  public static final String HANDLE_KEY = "test-session-handle-key-0123456789-abcdefgh";
  public static final String OPERATOR = "test-operator-token";
  static final SessionHandleCodec CODEC = new SessionHandleCodec(HANDLE_KEY, null, Clock.systemUTC());

  private Harness() {}

  /** The environment of a service on this test's topics (not dev mode: the handle key is required). */
  public static Map<String, String> env(TestKafka kafka, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(kafka.env());
    env.put("HTTP_PORT", "0");
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("SESSION_HANDLE_KEY", HANDLE_KEY);
    env.put("OPERATOR_TOKEN", OPERATOR);
    env.putAll(extra);
    return env;
  }

  /** One service instance in its own runtime. */
  public static final class Service implements AutoCloseable {
    public final ServiceRuntime runtime;
    public final SessionServiceVerticle verticle;
    public final String base;

    public Service(Map<String, String> env) throws Exception {
      runtime = ServiceRuntime.create("session-service");
      verticle = SessionServiceMain.deploy(runtime, new Env(env)).await(60, TimeUnit.SECONDS);
      base = "http://127.0.0.1:" + verticle.port();
      Http.awaitOk(base + "/health/ready", Duration.ofSeconds(60));
    }

    @Override
    public void close() throws Exception {
      runtime.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** A rotation token for {@code sessionId} whose client secret expires at {@code secretExpiresAt}. */
  public static String token(String sessionId, Instant secretExpiresAt) {
    Instant now = Instant.now();
    return CODEC.sign(new SessionHandle(sessionId, "user-" + sessionId, "device-1", 0, now.minusSeconds(1),
        secretExpiresAt, secretExpiresAt.plusSeconds(60)));
  }

  public static String token(String sessionId) {
    return token(sessionId, Instant.now().plusSeconds(600));
  }

  /** A client of one session: numbers its events, moves its event time on by 10 ms per event. */
  public static final class Client {
    public final String base;
    public final String sessionId;
    public final String token;
    public long seq;
    public long now = System.currentTimeMillis() - 5_000;

    public Client(String base, String sessionId) {
      this(base, sessionId, token(sessionId));
    }

    public Client(String base, String sessionId, String token) {
      this.base = base;
      this.sessionId = sessionId;
      this.token = token;
    }

    /** The next event (type plus field pairs), numbered and timed. */
    public JsonObject event(String type, Object... fields) {
      now += 10;
      JsonObject e = new JsonObject().put("type", type).put("seq", ++seq).put("occurred_at_ms", now);
      for (int i = 0; i < fields.length; i += 2) {
        e.put((String) fields[i], fields[i + 1]);
      }
      return e;
    }

    public Http.Response post(JsonObject... events) {
      return postBatch(new JsonArray(List.of((Object[]) events)));
    }

    public Http.Response postBatch(JsonArray events) {
      return Http.post(base + "/v1/sessions/" + sessionId + "/events",
          new JsonObject().put("platform", "web").put("events", events).encode(), "Authorization", "Bearer " + token);
    }

    /** Sends one event and checks it was accepted. */
    public void send(String type, Object... fields) {
      Http.Response r = post(event(type, fields));
      if (r.status() != 202) {
        throw new AssertionError("event " + type + " answered " + r.status() + " " + r.body());
      }
    }

    public Http.Response interrupt(JsonObject body) {
      return Http.post(base + "/v1/sessions/" + sessionId + "/interrupt", body.encode(),
          "Authorization", "Bearer " + token);
    }

    public Http.Response recover(String reason) {
      return Http.post(base + "/v1/sessions/" + sessionId + "/recover", new JsonObject().put("reason", reason).encode(),
          "Authorization", "Bearer " + token);
    }

    public Http.Response get() {
      return Http.get(base + "/v1/sessions/" + sessionId, "Authorization", "Bearer " + token);
    }

    /** Waits until the session's state satisfies {@code condition}; returns that state. */
    public JsonObject await(String what, Predicate<JsonObject> condition) {
      JsonObject[] last = {null};
      dev.rtvoice.common.testing.Eventually.await(sessionId + ": " + what, () -> {
        Http.Response r = get();
        if (r.status() != 200) {
          return false;
        }
        last[0] = r.json();
        return condition.test(last[0]);
      }, Duration.ofSeconds(20));
      return last[0];
    }

    public JsonObject awaitPhase(String phase) {
      return await("phase " + phase, s -> phase.equals(s.getString("phase")));
    }

    /** Connected, user spoke, response r with item i created, first audio: SPEAKING. */
    public void toSpeaking(String responseId, String itemId) {
      send("client.connected");
      send("input_audio_buffer.speech_stopped");
      send("response.created", "response_id", responseId);
      send("response.output_item.added", "response_id", responseId, "item_id", itemId);
      send("response.output_audio.delta", "response_id", responseId, "item_id", itemId);
      awaitPhase("SPEAKING");
    }
  }

  /** The events of one session on a topic, once {@code done} holds for them. */
  public static List<EventEnvelope> eventsOf(TestKafka kafka, String topic, String sessionId,
                                             Predicate<List<EventEnvelope>> done) {
    List<EventEnvelope> all = kafka.readEventsUntil(topic,
        events -> done.test(events.stream().filter(e -> sessionId.equals(e.sessionId())).toList()),
        Duration.ofSeconds(20));
    return all.stream().filter(e -> sessionId.equals(e.sessionId())).toList();
  }
}
