package dev.rtvoice.sessions.domain;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One event summary: what the client saw on its data channel (or the sideband received), reduced to
 * what the state machine needs. Never audio, never a secret: {@link #parse} copies only these
 * fields, whatever else the client sent.
 *
 * @param seq the client's per-session sequence number (from 1, strictly increasing); 0 for sideband
 *     events, which carry no client sequence
 * @param eventId upstream's {@code event_id} when the summary is of an upstream event: the key that
 *     deduplicates the client's report against the sideband's
 * @param occurredAtMs event time, epoch milliseconds
 * @param errorMessage an {@code error}'s message, cut to {@link #MAX_ERROR_MESSAGE_CHARS} (diagnostic:
 *     it tells upstream's "already shorter" truncate refusal apart from other errors)
 * @param gapMs {@code client.reconnected} after a hand-over: the audio gap the client measured
 *     (0..{@link #MAX_GAP_MS}, optional)
 */
public record EventSummary(
    SummaryType type,
    long seq,
    String eventId,
    long occurredAtMs,
    String responseId,
    String itemId,
    String status,
    String errorCode,
    String callId,
    String iceState,
    String network,
    String reason,
    String transcript,
    Long playedMs,
    String conversationId,
    String errorMessage,
    Long gapMs) {

  public static final int MAX_ID_CHARS = 128;
  public static final int MAX_TRANSCRIPT_CHARS = 4000;
  public static final int MAX_ERROR_MESSAGE_CHARS = 256;
  /** The longest audio gap a hand-over may report: a minute (anything longer is not a hand-over). */
  public static final long MAX_GAP_MS = 60_000;
  /** 2000-01-01 and 2100-01-01: anything outside is a unit mistake (seconds, microseconds). */
  static final long MIN_TIME_MS = 946_684_800_000L;
  static final long MAX_TIME_MS = 4_102_444_800_000L;
  static final long MAX_SEQ = 1L << 53;

  private static final Pattern ID = Pattern.compile("[\\x21-\\x7e]{1," + MAX_ID_CHARS + "}");
  private static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9_\\-]{1," + MAX_ID_CHARS + "}");
  private static final Pattern REASON = Pattern.compile("[a-z0-9_]{1,64}");
  private static final Set<String> RESPONSE_STATUSES = Set.of("completed", "cancelled", "failed", "incomplete");
  private static final Set<String> ICE_STATES =
      Set.of("new", "checking", "connected", "completed", "disconnected", "failed", "closed");

  /** A sideband event's summary: no client sequence. */
  public EventSummary withoutSeq() {
    return new EventSummary(type, 0, eventId, occurredAtMs, responseId, itemId, status, errorCode, callId, iceState,
        network, reason, transcript, playedMs, conversationId, errorMessage, gapMs);
  }

  /**
   * Reads and checks one summary. Every problem names its field, prefixed with {@code at} (for
   * example {@code events[3].seq}); unknown fields are dropped.
   *
   * @param fromClient client reports need {@code seq}; sideband events must not be client-only types
   * @param nowMs the server's clock, to refuse event times too far in the future
   * @param maxAheadMs how far ahead of {@code nowMs} an event time may be (client clock skew)
   */
  public static EventSummary parse(Map<String, Object> m, String at, boolean fromClient, long nowMs,
                                   long maxAheadMs) {
    String typeName = string(m, at, "type", true, 128);
    SummaryType type = SummaryType.fromWire(typeName).orElseThrow(() -> new InvalidSummaryException(at + "type",
        "unknown event type '" + abbreviate(typeName) + "'"));
    if (!fromClient && type.clientOnly()) {
      throw new InvalidSummaryException(at + "type", type.wire() + " can only come from the client");
    }
    long seq = 0;
    if (fromClient) {
      seq = integer(m, at, "seq", true, 1, MAX_SEQ);
    }
    String eventId = id(m, at, "event_id", false);
    long occurredAt = integer(m, at, "occurred_at_ms", true, MIN_TIME_MS, MAX_TIME_MS);
    if (occurredAt > nowMs + maxAheadMs) {
      throw new InvalidSummaryException(at + "occurred_at_ms",
          "is " + (occurredAt - nowMs) + " ms ahead of the server clock (at most " + maxAheadMs + " ms allowed)");
    }
    String responseId = id(m, at, "response_id", type.responseScoped());
    String itemId = id(m, at, "item_id", false);
    String status = null;
    if (type == SummaryType.RESPONSE_DONE) {
      status = oneOf(m, at, "status", RESPONSE_STATUSES, true);
    }
    String errorCode = type == SummaryType.ERROR ? string(m, at, "error_code", false, MAX_ID_CHARS) : null;
    String errorMessage = type == SummaryType.ERROR ? cut(string(m, at, "error_message", false, Integer.MAX_VALUE),
        MAX_ERROR_MESSAGE_CHARS) : null;
    String callId = null;
    if (type == SummaryType.CLIENT_CONNECTED || type == SummaryType.CLIENT_RECONNECTED) {
      callId = callId(m, at, "call_id");
    }
    String iceState = type == SummaryType.CLIENT_ICE_STATE ? oneOf(m, at, "ice_state", ICE_STATES, true) : null;
    String network = type == SummaryType.CLIENT_NETWORK_CHANGED ? string(m, at, "network", false, 32) : null;
    String reason = null;
    if (type == SummaryType.CLIENT_RECONNECTED || type == SummaryType.CLIENT_ENDED
        || type == SummaryType.CLIENT_ROLLOVER_FAILED) {
      reason = reason(m, at, "reason", type != SummaryType.CLIENT_ENDED);
    }
    Long gap = null;
    if (type == SummaryType.CLIENT_RECONNECTED) {
      long g = integer(m, at, "gap_ms", false, 0, MAX_GAP_MS);
      gap = g == Long.MIN_VALUE ? null : g;
    }
    String transcript = null;
    if (type == SummaryType.OUTPUT_TRANSCRIPT_DONE || type == SummaryType.TRANSCRIPT_DONE_LEGACY
        || type == SummaryType.INPUT_TRANSCRIPTION_COMPLETED) {
      transcript = string(m, at, "transcript", true, MAX_TRANSCRIPT_CHARS);
    }
    Long played = null;
    if (type == SummaryType.CLIENT_PLAYBACK_STOPPED) {
      played = integer(m, at, "played_ms", true, 0, 24L * 3600 * 1000);
    }
    String conversationId = id(m, at, "conversation_id", false);
    return new EventSummary(type, seq, eventId, occurredAt, responseId, itemId, status, errorCode, callId, iceState,
        network, reason, transcript, played, conversationId, errorMessage, gap);
  }

  /** Its size as JSON ({@link #toMap()}), for the held events' byte budget. */
  public int jsonBytes() {
    return JsonSize.ofValue(toMap());
  }

  private static String cut(String s, int maxChars) {
    if (s == null || s.length() <= maxChars) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
    return s.substring(0, end);
  }

  /** The wire form (the command payload's summary fields); nulls are left out. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type.wire());
    if (seq > 0) {
      m.put("seq", seq);
    }
    putIf(m, "event_id", eventId);
    m.put("occurred_at_ms", occurredAtMs);
    putIf(m, "response_id", responseId);
    putIf(m, "item_id", itemId);
    putIf(m, "status", status);
    putIf(m, "error_code", errorCode);
    putIf(m, "call_id", callId);
    putIf(m, "ice_state", iceState);
    putIf(m, "network", network);
    putIf(m, "reason", reason);
    putIf(m, "transcript", transcript);
    putIf(m, "played_ms", playedMs);
    putIf(m, "conversation_id", conversationId);
    putIf(m, "error_message", errorMessage);
    putIf(m, "gap_ms", gapMs);
    return m;
  }

  private static void putIf(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  static String string(Map<String, Object> m, String at, String field, boolean required, int maxChars) {
    Object v = m.get(field);
    if (v == null) {
      if (required) {
        throw new InvalidSummaryException(at + field, "is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new InvalidSummaryException(at + field, "must be a string");
    }
    if (s.isEmpty() && required) {
      throw new InvalidSummaryException(at + field, "must not be empty");
    }
    if (s.length() > maxChars) {
      throw new InvalidSummaryException(at + field, "must be at most " + maxChars + " characters");
    }
    return s.isEmpty() ? null : s;
  }

  static String id(Map<String, Object> m, String at, String field, boolean required) {
    String s = string(m, at, field, required, MAX_ID_CHARS);
    if (s != null && !ID.matcher(s).matches()) {
      throw new InvalidSummaryException(at + field, "must be printable ASCII without spaces");
    }
    return s;
  }

  /**
   * An upstream call id ({@code rtc_...}): letters, digits, '_' and '-' only. It becomes a path segment
   * of the hang-up request and the sideband's query, so nothing that could steer a URL gets in.
   */
  static String callId(Map<String, Object> m, String at, String field) {
    String s = string(m, at, field, false, MAX_ID_CHARS);
    if (s != null && !CALL_ID.matcher(s).matches()) {
      throw new InvalidSummaryException(at + field, "must be 1-" + MAX_ID_CHARS + " of A-Z, a-z, 0-9, '_', '-'");
    }
    return s;
  }

  static String reason(Map<String, Object> m, String at, String field, boolean required) {
    String s = string(m, at, field, required, 64);
    if (s != null && !REASON.matcher(s).matches()) {
      throw new InvalidSummaryException(at + field, "must be lower-case letters, digits and '_' (at most 64)");
    }
    return s;
  }

  private static String oneOf(Map<String, Object> m, String at, String field, Set<String> allowed, boolean required) {
    String s = string(m, at, field, required, 32);
    if (s != null && !allowed.contains(s)) {
      throw new InvalidSummaryException(at + field, "must be one of " + new java.util.TreeSet<>(allowed));
    }
    return s;
  }

  static long integer(Map<String, Object> m, String at, String field, boolean required, long min, long max) {
    Object v = m.get(field);
    if (v == null) {
      if (required) {
        throw new InvalidSummaryException(at + field, "is required");
      }
      return Long.MIN_VALUE;
    }
    long value;
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      value = ((Number) v).longValue();
    } else if (v instanceof BigInteger || v instanceof BigDecimal) {
      throw new InvalidSummaryException(at + field, "must be between " + min + " and " + max);
    } else {
      throw new InvalidSummaryException(at + field, "must be an integer");
    }
    if (value < min || value > max) {
      throw new InvalidSummaryException(at + field, "must be between " + min + " and " + max);
    }
    return value;
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
