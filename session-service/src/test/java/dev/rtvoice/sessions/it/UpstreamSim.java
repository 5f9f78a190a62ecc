package dev.rtvoice.sessions.it;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.upstreamsim.UpstreamSimVerticle;
import dev.rtvoice.upstreamsim.config.SimConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** upstream-sim in-process on a free port (its own Vert.x), with its admin API and a peer connection. */
public final class UpstreamSim implements AutoCloseable {
  public static final String KEY = "sk-test-sideband-key";

  public final Vertx vertx = Vertx.vertx();
  /**
   * Held for the simulator's life: Vert.x closes a client that is no longer referenced once it is
   * garbage-collected, and a collection during a peer's handshake closed the connection under it
   * ("Connection closed while handshake in process", seen once in a local run).
   */
  private final WebSocketClient peers = vertx.createWebSocketClient();
  public final int port;
  public final String base;

  public UpstreamSim(Map<String, String> env) throws Exception {
    Map<String, String> merged = new java.util.HashMap<>(Map.of("SIM_PORT", "0", "SIM_API_KEY", KEY));
    merged.putAll(env);
    UpstreamSimVerticle sim = new UpstreamSimVerticle(SimConfig.fromEnv(new Env(merged)),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    vertx.deployVerticle(sim).await(10, TimeUnit.SECONDS);
    port = sim.port();
    base = "http://127.0.0.1:" + port;
  }

  /** What the simulator saw on a call (connections, client events with receive times), or null. */
  public JsonObject call(String callId) {
    Http.Response r = Http.get(base + "/admin/calls/" + callId);
    return r.status() == 200 ? r.json() : null;
  }

  public int connections(String callId) {
    JsonObject c = call(callId);
    return c == null ? 0 : c.getInteger("connections");
  }

  /** Sends a server event on the call, to every connection. */
  public void script(String callId, JsonObject event) {
    Http.Response r = Http.post(base + "/admin/calls/" + callId + "/events", event.encode());
    if (r.status() != 200) {
      throw new AssertionError("script answered " + r.status() + " " + r.body());
    }
  }

  public void drop(String callId) {
    Http.post(base + "/admin/calls/" + callId + "/drop", null);
  }

  /** A second connection to the call, standing in for the client's WebRTC peer (it sees every server event). */
  public Peer peer(String callId) throws Exception {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/v1/realtime?call_id=" + callId).addHeader("Authorization", "Bearer " + KEY);
    return peers.connect(options).map(Peer::new).await(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A connection that queues what the simulator sends. */
  public static final class Peer {
    public final WebSocket socket;
    public final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();

    Peer(WebSocket socket) {
      this.socket = socket;
      socket.textMessageHandler(t -> received.add(new JsonObject(t)));
    }

    public void send(JsonObject event) throws Exception {
      socket.writeTextMessage(event.encode()).await(5, TimeUnit.SECONDS);
    }

    /** The next event of {@code type} (earlier ones of other types are skipped). */
    public JsonObject next(String type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        JsonObject e = received.poll(100, TimeUnit.MILLISECONDS);
        if (e != null && type.equals(e.getString("type"))) {
          return e;
        }
      }
      throw new AssertionError("no " + type + " from the simulator");
    }
  }
}
