package dev.rtvoice.upstreamsim.realtime;

import dev.rtvoice.upstreamsim.Ids;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One realtime call (a WebRTC session upstream) as the sideband connections of it see it. Server
 * events go to every connection of the call, as upstream sends them to every channel of a session.
 * Speaks the part of the realtime protocol the suite needs, with OpenAI's event names and fields.
 * Event-loop confined.
 *
 * <p>Audio: deltas go out on a fixed schedule, one per delta interval, each with that interval's worth
 * of 24 kHz PCM16 (at most {@link #MAX_CHUNK_MS}), the first with one more as a jitter buffer: audio
 * is generated a little ahead of the pace it plays, as upstream does. The first is preceded by
 * {@code output_audio_buffer.started}; {@code output_audio_buffer.stopped} follows
 * {@code response.done} once all of the audio has played out. A {@code conversation.item.truncate} past
 * the item's audio is refused as OpenAI refuses it ("Audio content of Xms is already shorter than
 * Yms", {@code invalid_value}); a truncate that fits shortens the item's audio to it.
 */
public final class RealtimeCall {
  /** How many client events are kept for inspection through the admin API. */
  private static final int LOG_LIMIT = 1000;
  /** Longest audio one delta carries (a longer delta interval leaves gaps: slower than real time). */
  static final long MAX_CHUNK_MS = 1_000;
  /** 24 kHz, 16-bit mono. */
  private static final int BYTES_PER_MS = 48;

  private final String callId;
  private final Vertx vertx;
  private final Set<ServerWebSocket> connections = new LinkedHashSet<>();
  private final Deque<JsonObject> clientEventLog = new ArrayDeque<>();
  /** The audio each assistant item holds, in milliseconds. */
  private final Map<String, Long> itemAudioMs = new HashMap<>();
  private final Map<Long, String> chunks = new HashMap<>();
  private final String sessionId = Ids.next("sess_", 20);
  private final long createdNs = System.nanoTime();
  /** Timers of scripted speech and of the call's end, cancelled when the call ends. */
  private final Set<Long> timers = new HashSet<>();
  private ActiveResponse active;
  private long responses;
  private String endReason;

  /** The response being generated: its ids and the timer that emits its next audio delta. */
  private static final class ActiveResponse {
    final String id = Ids.next("resp_", 20);
    final String itemId = Ids.next("item_", 20);
    long timerId = -1;
    int deltasSent;
    /** When the first audio went out (nanoTime), and how much audio went out since. */
    long firstAudioNs;
    long audioMs;
  }

  public RealtimeCall(String callId, Vertx vertx) {
    this.callId = callId;
    this.vertx = vertx;
  }

  public String callId() {
    return callId;
  }

  public void attach(ServerWebSocket ws) {
    if (endReason != null) {
      ws.close((short) 1000, "call ended");
      return;
    }
    connections.add(ws);
    send(ws, event("session.created").put("session", new JsonObject()
        .put("type", "realtime").put("object", "realtime.session").put("id", sessionId).put("model", "gpt-realtime")));
  }

  public void detach(ServerWebSocket ws) {
    connections.remove(ws);
  }

  public int connectionCount() {
    return connections.size();
  }

  /** Closes every sideband connection abruptly (the "dropped WebSocket" fault). */
  public int dropConnections() {
    int dropped = connections.size();
    for (ServerWebSocket ws : Set.copyOf(connections)) {
      ws.close((short) 1011, "simulated drop");
    }
    connections.clear();
    return dropped;
  }

  /** Why the call ended ({@code session_expired}, {@code hangup}), or null while it runs. */
  public String endReason() {
    return endReason;
  }

  /** Milliseconds since the call was created: the clock of its input audio ({@code audio_start_ms}). */
  public long ageMs() {
    return (System.nanoTime() - createdNs) / 1_000_000;
  }

  /**
   * Ends the call: what is in flight stops, {@code lastEvent} (if any) goes to every connection, then
   * each is closed with {@code closeCode}. Later connections to the call are refused.
   */
  public void end(String reason, JsonObject lastEvent, short closeCode, String closeReason) {
    if (endReason != null) {
      return;
    }
    endReason = reason;
    if (active != null) {
      vertx.cancelTimer(active.timerId);
      active = null;
    }
    timers.forEach(vertx::cancelTimer);
    timers.clear();
    if (lastEvent != null) {
      broadcast(lastEvent.put("event_id", Ids.event()));
    }
    for (ServerWebSocket ws : Set.copyOf(connections)) {
      ws.close(closeCode, closeReason);
    }
    connections.clear();
  }

  /** Runs {@code action} after {@code delayMs} unless the call has ended by then. */
  public void schedule(long delayMs, Runnable action) {
    long[] id = new long[1];
    id[0] = vertx.setTimer(Math.max(1, delayMs), t -> {
      timers.remove(id[0]);
      if (endReason == null) {
        action.run();
      }
    });
    timers.add(id[0]);
  }

  /**
   * The user speaks for {@code durationMs} (server VAD's view of it): {@code speech_started} now,
   * {@code speech_stopped} and {@code committed} after the duration, then the transcript (when one is
   * given) as {@code conversation.item.input_audio_transcription.delta} and {@code .completed}.
   *
   * @return the user item's id and where the speech starts on the call's audio clock
   */
  public JsonObject speak(long durationMs, String transcript) {
    String itemId = Ids.next("item_", 20);
    long startMs = ageMs();
    broadcast(event("input_audio_buffer.speech_started").put("audio_start_ms", startMs).put("item_id", itemId));
    schedule(durationMs, () -> {
      broadcast(event("input_audio_buffer.speech_stopped").put("audio_end_ms", startMs + durationMs)
          .put("item_id", itemId));
      broadcast(event("input_audio_buffer.committed").put("previous_item_id", null).put("item_id", itemId));
      if (transcript != null) {
        broadcast(event("conversation.item.input_audio_transcription.delta").put("item_id", itemId)
            .put("content_index", 0).put("delta", transcript));
        broadcast(event("conversation.item.input_audio_transcription.completed").put("item_id", itemId)
            .put("content_index", 0).put("transcript", transcript));
      }
    });
    return new JsonObject().put("item_id", itemId).put("audio_start_ms", startMs).put("duration_ms", durationMs)
        .put("transcript", transcript);
  }

  /**
   * Handles one client event from a sideband connection.
   *
   * @param source the connection it came on (errors about it go back there only)
   */
  public void onClientEvent(ServerWebSocket source, JsonObject event, SimTiming timing) {
    log(event);
    String type = event.getValue("type") instanceof String t ? t : null;
    String clientEventId = event.getValue("event_id") instanceof String id ? id : null;
    if (type == null) {
      sendError(source, "invalid_request_error", "missing_required_parameter", "Missing required parameter: 'type'.",
          "type", clientEventId);
      return;
    }
    switch (type) {
      case "response.create" -> createResponse(source, clientEventId, timing);
      case "response.cancel" -> cancelResponse(source, event, clientEventId);
      case "conversation.item.truncate" -> truncate(source, event, clientEventId);
      case "output_audio_buffer.clear" -> broadcast(event("output_audio_buffer.cleared")
          .put("response_id", active == null ? null : active.id));
      case "session.update" -> broadcast(event("session.updated").put("session",
          event.getJsonObject("session", new JsonObject()).copy().put("id", sessionId)));
      case "input_audio_buffer.commit" -> broadcast(event("input_audio_buffer.committed")
          .put("previous_item_id", null).put("item_id", Ids.next("item_", 20)));
      default -> sendError(source, "invalid_request_error", "invalid_value",
          "Invalid value: '" + type + "'. Supported values are: 'response.create', 'response.cancel', "
              + "'conversation.item.truncate', 'output_audio_buffer.clear', 'session.update' and "
              + "'input_audio_buffer.commit'.", "type", clientEventId);
    }
  }

  /** A server event scripted by a test through the admin API (speech started, stopped, ...). */
  public JsonObject script(JsonObject serverEvent) {
    JsonObject event = serverEvent.copy();
    if (!(event.getValue("event_id") instanceof String)) {
      event.put("event_id", Ids.event());
    }
    broadcast(event);
    return event;
  }

  private void createResponse(ServerWebSocket source, String clientEventId, SimTiming timing) {
    if (active != null) {
      sendError(source, "invalid_request_error", "conversation_already_has_active_response",
          "Conversation already has an active response in progress: " + active.id
              + ". Wait until the response is finished before creating a new one.", null, clientEventId);
      return;
    }
    ActiveResponse response = new ActiveResponse();
    active = response;
    responses++;
    itemAudioMs.put(response.itemId, 0L);
    broadcast(event("response.created").put("response", responseObject(response, "in_progress")));
    broadcast(event("response.output_item.added").put("response_id", response.id).put("output_index", 0)
        .put("item", new JsonObject().put("id", response.itemId).put("object", "realtime.item")
            .put("type", "message").put("status", "in_progress").put("role", "assistant")
            .put("content", new JsonArray())));
    // the model's inference time: nothing audible until it has passed
    long firstDelay = Math.max(1, timing.responseLatency().toMillis());
    response.timerId = vertx.setTimer(firstDelay, t -> emitDelta(response, timing));
  }

  private void emitDelta(ActiveResponse response, SimTiming timing) {
    if (active != response || endReason != null) {
      return; // cancelled meanwhile
    }
    long chunkMs = chunkMs(timing);
    long audioMs = chunkMs;
    if (response.deltasSent == 0) {
      response.firstAudioNs = System.nanoTime();
      audioMs += chunkMs; // the first delta runs a chunk ahead of playback, as a jitter buffer
      broadcast(event("output_audio_buffer.started").put("response_id", response.id));
    }
    broadcast(event("response.output_audio.delta").put("response_id", response.id).put("item_id", response.itemId)
        .put("output_index", 0).put("content_index", 0).put("delta", chunk(audioMs)));
    itemAudioMs.merge(response.itemId, audioMs, Long::sum);
    response.audioMs += audioMs;
    response.deltasSent++;
    if (response.deltasSent < timing.audioDeltas()) {
      // on a fixed schedule from the first audio: a late timer does not delay the ones after it
      long intervalMs = Math.max(1, timing.deltaInterval().toMillis());
      response.timerId = vertx.setTimer(untilMs(response, response.deltasSent * intervalMs),
          t -> emitDelta(response, timing));
      return;
    }
    broadcast(event("response.output_audio.done").put("response_id", response.id).put("item_id", response.itemId)
        .put("output_index", 0).put("content_index", 0));
    active = null;
    broadcast(event("response.done").put("response", responseObject(response, "completed")));
    // the buffer drains once all of the audio has played
    schedule(untilMs(response, response.audioMs),
        () -> broadcast(event("output_audio_buffer.stopped").put("response_id", response.id)));
  }

  /** Milliseconds from now until {@code offsetMs} after the response's first audio (at least 1). */
  private static long untilMs(ActiveResponse response, long offsetMs) {
    long elapsedMs = (System.nanoTime() - response.firstAudioNs) / 1_000_000;
    return Math.max(1, offsetMs - elapsedMs);
  }

  private static long chunkMs(SimTiming timing) {
    return Math.max(1, Math.min(MAX_CHUNK_MS, timing.deltaInterval().toMillis()));
  }

  /** Base64 of {@code ms} of silence, one string per length. */
  private String chunk(long ms) {
    return chunks.computeIfAbsent(ms, k -> Base64.getEncoder().encodeToString(new byte[(int) (k * BYTES_PER_MS)]));
  }

  private void cancelResponse(ServerWebSocket source, JsonObject event, String clientEventId) {
    Object requested = event.getValue("response_id");
    if (active == null || (requested instanceof String id && !id.equals(active.id))) {
      sendError(source, "invalid_request_error", "response_cancel_not_active",
          "Cancellation failed: no active response found", null, clientEventId);
      return;
    }
    ActiveResponse response = active;
    active = null;
    vertx.cancelTimer(response.timerId);
    broadcast(event("response.done").put("response", responseObject(response, "cancelled")
        .put("status_details", new JsonObject().put("type", "cancelled").put("reason", "client_cancelled"))));
  }

  private void truncate(ServerWebSocket source, JsonObject event, String clientEventId) {
    Object itemId = event.getValue("item_id");
    Object audioEndMs = event.getValue("audio_end_ms");
    Object contentIndex = event.getValue("content_index");
    if (!(itemId instanceof String item)) {
      sendError(source, "invalid_request_error", "missing_required_parameter",
          "Missing required parameter: 'item_id'.", "item_id", clientEventId);
      return;
    }
    if (!(audioEndMs instanceof Integer || audioEndMs instanceof Long) || ((Number) audioEndMs).longValue() < 0) {
      sendError(source, "invalid_request_error", "invalid_value",
          "Invalid 'audio_end_ms': expected a non-negative integer.", "audio_end_ms", clientEventId);
      return;
    }
    Long audioMs = itemAudioMs.get(item);
    if (audioMs == null) {
      sendError(source, "invalid_request_error", "item_truncate_invalid_item_id",
          "Item with item_id not found: " + item, "item_id", clientEventId);
      return;
    }
    long end = ((Number) audioEndMs).longValue();
    if (end > audioMs) {
      sendError(source, "invalid_request_error", "invalid_value",
          "Audio content of " + audioMs + "ms is already shorter than " + end + "ms", null, clientEventId);
      return;
    }
    itemAudioMs.put(item, end);
    broadcast(event("conversation.item.truncated").put("item_id", item)
        .put("content_index", contentIndex instanceof Integer i ? i : 0)
        .put("audio_end_ms", end));
  }

  private static JsonObject responseObject(ActiveResponse response, String status) {
    return new JsonObject().put("object", "realtime.response").put("id", response.id).put("status", status)
        .put("status_details", null)
        .put("output", new JsonArray().add(new JsonObject().put("id", response.itemId).put("type", "message")
            .put("role", "assistant")))
        .put("conversation_id", "conv_sim")
        .put("output_modalities", new JsonArray().add("audio"));
  }

  private void sendError(ServerWebSocket ws, String type, String code, String message, String param,
                         String clientEventId) {
    send(ws, event("error").put("error", new JsonObject().put("type", type).put("code", code)
        .put("message", message).put("param", param).put("event_id", clientEventId)));
  }

  private static JsonObject event(String type) {
    return new JsonObject().put("type", type).put("event_id", Ids.event());
  }

  private void broadcast(JsonObject event) {
    for (ServerWebSocket ws : connections) {
      send(ws, event);
    }
  }

  private static void send(ServerWebSocket ws, JsonObject event) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(event.encode());
    }
  }

  private void log(JsonObject event) {
    if (clientEventLog.size() == LOG_LIMIT) {
      clientEventLog.removeFirst();
    }
    clientEventLog.add(new JsonObject()
        .put("type", event.getValue("type"))
        .put("event_id", event.getValue("event_id"))
        .put("response_id", event.getValue("response_id"))
        .put("item_id", event.getValue("item_id"))
        .put("audio_end_ms", event.getValue("audio_end_ms"))
        .put("received_at_ms", System.currentTimeMillis()));
  }

  /** What the admin API shows about this call. */
  public JsonObject describe() {
    return new JsonObject()
        .put("call_id", callId)
        .put("age_ms", ageMs())
        .put("ended", endReason)
        .put("connections", connections.size())
        .put("responses", responses)
        .put("active_response_id", active == null ? null : active.id)
        .put("item_audio_ms", new JsonObject(new java.util.LinkedHashMap<>(itemAudioMs)))
        .put("client_events", new JsonArray(java.util.List.copyOf(clientEventLog)));
  }

  /** How fast responses come; read per event so that admin changes apply at once. */
  public interface SimTiming {
    Duration responseLatency();

    int audioDeltas();

    Duration deltaInterval();
  }
}
