package dev.rtvoice.upstreamsim.realtime;

import dev.rtvoice.upstreamsim.ApiKeyCheck;
import dev.rtvoice.upstreamsim.secrets.SecretStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The sideband WebSocket, {@code /v1/realtime?call_id=...}: a server holding the API key (or a
 * client holding a valid ephemeral key) attaches to a call and exchanges realtime events on it.
 */
public final class SidebandServer {
  private static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9_\\-]{1,128}");

  private final Vertx vertx;
  private final ApiKeyCheck apiKey;
  private final SecretStore secrets;
  private final RealtimeCall.SimTiming timing;
  private final Map<String, RealtimeCall> calls = new HashMap<>();

  public SidebandServer(Vertx vertx, ApiKeyCheck apiKey, SecretStore secrets, RealtimeCall.SimTiming timing) {
    this.vertx = vertx;
    this.apiKey = apiKey;
    this.secrets = secrets;
    this.timing = timing;
  }

  public void onHandshake(ServerWebSocketHandshake handshake) {
    if (!"/v1/realtime".equals(handshake.path())) {
      handshake.reject(404);
      return;
    }
    String callId = queryParam(handshake.query(), "call_id");
    if (callId == null || !CALL_ID.matcher(callId).matches()) {
      handshake.reject(400);
      return;
    }
    String auth = handshake.headers().get("Authorization");
    String bearer = ApiKeyCheck.bearer(auth);
    boolean authorized = apiKey.accepts(auth) || (bearer != null && secrets.validate(bearer).isPresent());
    if (!authorized) {
      handshake.reject(401);
      return;
    }
    handshake.accept().onSuccess(ws -> attach(callId, ws));
  }

  private void attach(String callId, ServerWebSocket ws) {
    RealtimeCall call = calls.computeIfAbsent(callId, id -> new RealtimeCall(id, vertx));
    call.attach(ws);
    ws.textMessageHandler(text -> {
      JsonObject event;
      try {
        event = new JsonObject(text);
      } catch (DecodeException | ClassCastException e) {
        ws.writeTextMessage(new JsonObject().put("type", "error").put("event_id", dev.rtvoice.upstreamsim.Ids.event())
            .put("error", new JsonObject().put("type", "invalid_request_error").put("code", "invalid_json")
                .put("message", "The event could not be parsed as JSON.").put("param", null).put("event_id", null))
            .encode());
        return;
      }
      call.onClientEvent(ws, event, timing);
    });
    ws.closeHandler(v -> call.detach(ws));
    ws.exceptionHandler(e -> call.detach(ws));
  }

  public RealtimeCall call(String callId) {
    return calls.computeIfAbsent(callId, id -> new RealtimeCall(id, vertx));
  }

  public RealtimeCall existingCall(String callId) {
    return calls.get(callId);
  }

  public Collection<RealtimeCall> calls() {
    return calls.values();
  }

  public int dropAll() {
    return calls.values().stream().mapToInt(RealtimeCall::dropConnections).sum();
  }

  public void reset() {
    dropAll();
    calls.clear();
  }

  private static String queryParam(String query, String name) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
