package dev.rtvoice.sessions.sideband;

import dev.rtvoice.sessions.domain.EventSummary;
import dev.rtvoice.sessions.domain.InvalidSummaryException;
import dev.rtvoice.sessions.domain.SummaryType;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reduces a raw upstream server event (as the sideband receives it, OpenAI's shapes) to the summary
 * the state machine applies. Only the fields it needs are copied: audio payloads, instructions and
 * anything else stay out of Kafka.
 */
public final class UpstreamEvents {
  private UpstreamEvents() {}

  /** The summary, or empty when the machine has no use for this event (or it does not fit). */
  public static Optional<EventSummary> summarize(JsonObject raw, long receivedAtMs) {
    Object typeValue = raw.getValue("type");
    if (!(typeValue instanceof String type)) {
      return Optional.empty();
    }
    Optional<SummaryType> known = SummaryType.fromWire(type);
    if (known.isEmpty() || known.get().clientOnly()) {
      return Optional.empty();
    }
    Map<String, Object> m = new HashMap<>();
    m.put("type", type);
    m.put("occurred_at_ms", receivedAtMs);
    copyString(raw, "event_id", m, "event_id");
    JsonObject response = object(raw, "response");
    JsonObject item = object(raw, "item");
    JsonObject error = object(raw, "error");
    String responseId = string(raw, "response_id");
    if (responseId == null && response != null) {
      responseId = string(response, "id");
    }
    putIf(m, "response_id", responseId);
    String itemId = string(raw, "item_id");
    if (itemId == null && item != null) {
      itemId = string(item, "id");
    }
    putIf(m, "item_id", itemId);
    if (response != null) {
      putIf(m, "status", string(response, "status"));
      putIf(m, "conversation_id", string(response, "conversation_id"));
    }
    if (error != null) {
      putIf(m, "error_code", string(error, "code"));
      // cut to its bound by the summary: it tells a truncate refused as "already shorter" apart
      putIf(m, "error_message", string(error, "message"));
    }
    String transcript = string(raw, "transcript");
    if (transcript != null) {
      if (transcript.length() > EventSummary.MAX_TRANSCRIPT_CHARS) {
        transcript = transcript.substring(transcript.length() - EventSummary.MAX_TRANSCRIPT_CHARS);
      }
      m.put("transcript", transcript);
    }
    try {
      return Optional.of(EventSummary.parse(m, "", false, receivedAtMs, 0));
    } catch (InvalidSummaryException e) {
      return Optional.empty();
    }
  }

  private static JsonObject object(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v instanceof JsonObject j ? j : null;
  }

  private static String string(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v instanceof String s && !s.isEmpty() ? s : null;
  }

  private static void copyString(JsonObject from, String key, Map<String, Object> to, String as) {
    putIf(to, as, string(from, key));
  }

  private static void putIf(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
