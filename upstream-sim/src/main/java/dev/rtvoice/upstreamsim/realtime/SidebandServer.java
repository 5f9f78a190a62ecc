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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The calls and their WebSocket, {@code /v1/realtime?call_id=...}: a server holding the API key (the
 * sideband) or a client holding a valid ephemeral key (the client channel) attaches to a call and
 * exchanges realtime events on it. Each call lives at most {@code SIM_SESSION_MAX} from its creation:
 * then every connection gets OpenAI's {@code session_expired} error and is closed with 1001; a call
 * can also be hung up. An ended call refuses new connections (404).
 */
public final class SidebandServer {
  static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9_\\-]{1,128}");
  /** Calls remembered (ended ones are forgotten first beyond it). */
  private static final int MAX_CALLS = 10_000;

  private final Vertx vertx;
  private final ApiKeyCheck apiKey;
  private final SecretStore secrets;
  private final RealtimeCall.SimTiming timing;
  private final Duration sessionMax;
  private final Map<String, RealtimeCall> calls = new LinkedHashMap<>();

  public SidebandServer(Vertx vertx, ApiKeyCheck apiKey, SecretStore secrets, RealtimeCall.SimTiming timing,
                        Duration sessionMax) {
    this.vertx = vertx;
    this.apiKey = apiKey;
    this.secrets = secrets;
    this.timing = timing;
    this.sessionMax = sessionMax;
  }

  /** OpenAI's words at the cap, with the configured maximum. */
  public static String expiredMessage(Duration max) {
    long ms = max.toMillis();
    String length;
    if (ms % 60_000 == 0) {
      length = plural(ms / 60_000, "minute");
    } else if (ms % 1000 == 0) {
      length = plural(ms / 1000, "second");
    } else {
      length = ms + " ms";
    }
    return "Your session hit the maximum duration of " + length + ".";
  }

  private static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }

  /** The call, created (and its maximum duration started) when new. */
  public RealtimeCall call(String callId) {
    RealtimeCall call = calls.get(callId);
    if (call != null) {
      return call;
    }
    RealtimeCall created = new RealtimeCall(callId, vertx);
    calls.put(callId, created);
    forgetEndedBeyondLimit();
    created.schedule(sessionMax.toMillis(), () -> created.end("session_expired", new JsonObject()
        .put("type", "error").put("error", new JsonObject().put("type", "invalid_request_error")
            .put("code", "session_expired").put("message", expiredMessage(sessionMax)).put("param", null)
            .put("event_id", null)), (short) 1001, "session expired"));
    return created;
  }

  /** Ends a running call as {@code POST /v1/realtime/calls/{id}/hangup} does; false when there is none. */
  public boolean hangup(String callId) {
    RealtimeCall call = calls.get(callId);
    if (call == null || call.endReason() != null) {
      return false;
    }
    call.end("hangup", null, (short) 1000, "call hung up");
    return true;
  }

  private void forgetEndedBeyondLimit() {
    if (calls.size() <= MAX_CALLS) {
      return;
    }
    calls.values().removeIf(c -> c.endReason() != null && calls.size() > MAX_CALLS / 2);
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
    RealtimeCall existing = calls.get(callId);
    if (existing != null && existing.endReason() != null) {
      handshake.reject(404);
      return;
    }
    handshake.accept().onSuccess(ws -> attach(callId, ws));
  }

  private void attach(String callId, ServerWebSocket ws) {
    RealtimeCall call = call(callId);
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
    calls.values().forEach(c -> c.end("reset", null, (short) 1000, "reset"));
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
