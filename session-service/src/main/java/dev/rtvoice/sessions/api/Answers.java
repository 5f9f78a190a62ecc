package dev.rtvoice.sessions.api;

import dev.rtvoice.sessions.domain.Advice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The JSON the API answers with, built from the owner's replies and the read view's snapshots. */
final class Answers {
  /** Snapshot fields that are bookkeeping of the machine, not the session's story. */
  private static final List<String> INTERNAL = List.of("seen_upstream", "cancelled_responses", "done_responses",
      "command_partition", "command_offset", "speech_stopped_at_ms", "held", "version", "gap_since_ms");

  private Answers() {}

  /**
   * What the client does now about an interrupt: stop playback, and send on its data channel
   * {@code response.cancel}, {@code output_audio_buffer.clear} and, when some of the item's audio was
   * delivered, {@code conversation.item.truncate} at what it played clamped to that audio
   * ({@code truncateAtMs}; null: no truncate, the cancel only).
   */
  static JsonObject interrupt(String status, String interruptId, String phase, String responseId, String itemId,
                              long audioEndMs, Long truncateAtMs, Boolean sidebandCancel, Long deadlineMs) {
    JsonArray events = new JsonArray();
    JsonObject cancel = new JsonObject().put("type", "response.cancel");
    if (responseId != null) {
      cancel.put("response_id", responseId);
    }
    events.add(cancel);
    events.add(new JsonObject().put("type", "output_audio_buffer.clear"));
    if (itemId != null && truncateAtMs != null) {
      events.add(new JsonObject().put("type", "conversation.item.truncate").put("item_id", itemId)
          .put("content_index", 0).put("audio_end_ms", truncateAtMs));
    }
    JsonObject answer = new JsonObject()
        .put("interrupt_id", interruptId)
        .put("status", status)
        .put("phase", phase)
        .put("response_id", responseId)
        .put("item_id", itemId)
        .put("audio_end_ms", audioEndMs)
        .put("truncate_audio_end_ms", truncateAtMs)
        .put("stop_playback", true)
        .put("client_events", events);
    if (sidebandCancel != null) {
      answer.put("sideband_cancel", sidebandCancel);
    }
    if (deadlineMs != null) {
      answer.put("ack_deadline_ms", deadlineMs);
    }
    return answer;
  }

  /** A session as {@code GET /v1/sessions/{id}} shows it. */
  static JsonObject session(JsonObject snapshot, Advice advice) {
    JsonObject out = snapshot.copy();
    Object held = out.getValue("held");
    out.put("held_count", held instanceof JsonArray a ? a.size() : 0);
    INTERNAL.forEach(out::remove);
    out.put("advice", advice == null ? null : new JsonObject(advice.toMap()));
    return out;
  }

  /** One line of the console's list. */
  static JsonObject listed(JsonObject snapshot, Advice advice) {
    JsonObject counters = snapshot.getJsonObject("counters", new JsonObject());
    return new JsonObject()
        .put("session_id", snapshot.getString("session_id"))
        .put("phase", snapshot.getString("phase"))
        .put("turn", snapshot.getInteger("turn"))
        .put("user_id", snapshot.getString("user_id"))
        .put("device_id", snapshot.getString("device_id"))
        .put("platform", snapshot.getString("platform"))
        .put("response_id", snapshot.getString("response_id"))
        .put("started_at_ms", snapshot.getLong("started_at_ms"))
        .put("event_time_ms", snapshot.getLong("event_time_ms"))
        .put("interrupts", counters.getInteger("interrupts", 0))
        .put("stale_events", counters.getInteger("stale_events", 0))
        .put("advice", advice == null ? null : new JsonObject(advice.toMap()));
  }
}
