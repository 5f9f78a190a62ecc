package dev.rtvoice.upstreamsim;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.upstreamsim.config.SimConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The simulator in-process on a free port, with an HTTP client and sideband clients for tests. */
final class SimHarness implements AutoCloseable {
  static final String KEY = "sk-test-sim-key";

  final Vertx vertx = Vertx.vertx();
  final WebClient http = WebClient.create(vertx);
  final WebSocketClient ws = vertx.createWebSocketClient();
  final int port;

  SimHarness(Map<String, String> env) throws Exception {
    Map<String, String> merged = new java.util.HashMap<>(Map.of("SIM_PORT", "0", "SIM_API_KEY", KEY,
        "SIM_AUDIO_DELTAS", "3", "SIM_DELTA_INTERVAL", "20ms"));
    merged.putAll(env);
    UpstreamSimVerticle sim = new UpstreamSimVerticle(SimConfig.fromEnv(new Env(merged)),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    vertx.deployVerticle(sim).await(10, TimeUnit.SECONDS);
    port = sim.port();
  }

  HttpRequest<Buffer> request(HttpMethod method, String path) {
    return http.request(method, port, "127.0.0.1", path);
  }

  HttpResponse<Buffer> post(String path, String key, JsonObject body) throws Exception {
    HttpRequest<Buffer> request = request(HttpMethod.POST, path);
    if (key != null) {
      request.bearerTokenAuthentication(key);
    }
    return (body == null ? request.send() : request.sendJsonObject(body)).await(10, TimeUnit.SECONDS);
  }

  HttpResponse<Buffer> admin(HttpMethod method, String path, JsonObject body) throws Exception {
    HttpRequest<Buffer> request = request(method, path);
    return (body == null ? request.send() : request.sendJsonObject(body)).await(10, TimeUnit.SECONDS);
  }

  Sideband sideband(String callId, String key) throws Exception {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/v1/realtime?call_id=" + callId);
    if (key != null) {
      options.addHeader("Authorization", "Bearer " + key);
    }
    // handlers are set on the event loop as the connection completes, so no early event is missed
    return ws.connect(options).map(Sideband::new).await(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A sideband connection that queues what the simulator sends. */
  static final class Sideband {
    final WebSocket socket;
    final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    volatile boolean closed;
    volatile Short closeStatus;

    Sideband(WebSocket socket) {
      this.socket = socket;
      socket.textMessageHandler(text -> received.add(new JsonObject(text)));
      socket.closeHandler(v -> {
        closeStatus = socket.closeStatusCode();
        closed = true;
      });
    }

    void send(JsonObject event) {
      socket.writeTextMessage(event.encode());
    }

    /** The next event; fails the test if none arrives in time. */
    JsonObject next() throws InterruptedException {
      JsonObject event = received.poll(5, TimeUnit.SECONDS);
      if (event == null) {
        throw new AssertionError("no event from the simulator within 5 s");
      }
      return event;
    }

    /** Skips events until one of {@code type} arrives. */
    JsonObject nextOfType(String type) throws InterruptedException {
      while (true) {
        JsonObject event = next();
        if (type.equals(event.getString("type"))) {
          return event;
        }
      }
    }
  }
}
