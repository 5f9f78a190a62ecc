package dev.rtvoice.e2e.scenario;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * A frontend's turn against the upstream (upstream-sim), over the realtime WebSocket with the
 * client secret: asks for a response and measures how long the first audio delta takes. That
 * duration is real (the simulator's response latency plus the network), which is what lets the
 * scenario raise latency at the upstream and see it in the budget report as inference.
 */
final class UpstreamTurns implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final WebSocketClient client = vertx.createWebSocketClient();
  private final String wsBase;

  UpstreamTurns(String simUrl) {
    this.wsBase = simUrl.replaceFirst("^http", "ws");
  }

  /** Milliseconds from response.create to the first response.output_audio.delta. */
  long firstAudioMs(String callId, String clientSecret) {
    Promise<Long> measured = Promise.promise();
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setAbsoluteURI(wsBase + "/v1/realtime?call_id=" + callId)
        .addHeader("Authorization", "Bearer " + clientSecret);
    Future<Long> result = client.connect(options).compose(ws -> {
      long[] sentAt = {0};
      ws.textMessageHandler(text -> {
        String type = new JsonObject(text).getString("type");
        if ("session.created".equals(type)) {
          sentAt[0] = System.nanoTime();
          ws.writeTextMessage(new JsonObject().put("type", "response.create").encode());
        } else if ("response.output_audio.delta".equals(type) && sentAt[0] != 0) {
          measured.tryComplete((System.nanoTime() - sentAt[0]) / 1_000_000);
        } else if ("error".equals(type)) {
          measured.tryFail("upstream error: " + text);
        }
      });
      ws.closeHandler(v -> measured.tryFail("closed before the first audio"));
      return measured.future().eventually(() -> ws.close());
    });
    try {
      return result.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("turn on " + callId + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
