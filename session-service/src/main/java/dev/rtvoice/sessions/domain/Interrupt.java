package dev.rtvoice.sessions.domain;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The open interrupt transaction: the response it cancels, when it started and by when upstream must
 * acknowledge, and how the cancel went out on each path (the client's data channel, the service's
 * sideband). It fails only when every path that was tried failed, or the deadline passes.
 */
public final class Interrupt {
  /** Whether a path delivered the cancel. */
  public enum Delivery { UNKNOWN, SENT, FAILED, UNAVAILABLE }

  final String id;
  final long startedAtMs;
  final long deadlineMs;
  String responseId;
  final String itemId;
  /** What the client said it played of the item. */
  final long audioEndMs;
  /** Audio the service saw delivered for the item by the interrupt ({@link Truncation#NONE}: none). */
  final long deliveredMs;
  /** Where the item is truncated: {@code audioEndMs} clamped to {@code deliveredMs}; NONE: cancel only. */
  final long truncateAtMs;
  final Phase phaseBefore;
  Delivery client;
  Delivery server;

  Interrupt(String id, long startedAtMs, long deadlineMs, String responseId, String itemId, long audioEndMs,
            long deliveredMs, long truncateAtMs, Phase phaseBefore, Delivery client, Delivery server) {
    this.id = id;
    this.startedAtMs = startedAtMs;
    this.deadlineMs = deadlineMs;
    this.responseId = responseId;
    this.itemId = itemId;
    this.audioEndMs = audioEndMs;
    this.deliveredMs = deliveredMs;
    this.truncateAtMs = truncateAtMs;
    this.phaseBefore = phaseBefore;
    this.client = client;
    this.server = server;
  }

  Interrupt copy() {
    return new Interrupt(id, startedAtMs, deadlineMs, responseId, itemId, audioEndMs, deliveredMs, truncateAtMs,
        phaseBefore, client, server);
  }

  public String id() {
    return id;
  }

  public long startedAtMs() {
    return startedAtMs;
  }

  public long deadlineMs() {
    return deadlineMs;
  }

  public String responseId() {
    return responseId;
  }

  public String itemId() {
    return itemId;
  }

  public long audioEndMs() {
    return audioEndMs;
  }

  public long deliveredMs() {
    return deliveredMs;
  }

  /** Where the item is truncated, or {@link Truncation#NONE}: no truncate (cancel only). */
  public long truncateAtMs() {
    return truncateAtMs;
  }

  public Phase phaseBefore() {
    return phaseBefore;
  }

  public Delivery client() {
    return client;
  }

  public Delivery server() {
    return server;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("started_at_ms", startedAtMs);
    m.put("deadline_ms", deadlineMs);
    m.put("response_id", responseId);
    m.put("item_id", itemId);
    m.put("audio_end_ms", audioEndMs);
    m.put("delivered_audio_ms", deliveredMs < 0 ? null : deliveredMs);
    m.put("truncate_audio_end_ms", truncateAtMs < 0 ? null : truncateAtMs);
    m.put("phase_before", phaseBefore.name());
    m.put("client_cancel", client.name().toLowerCase(java.util.Locale.ROOT));
    m.put("server_cancel", server.name().toLowerCase(java.util.Locale.ROOT));
    return m;
  }

  static Interrupt fromMap(Map<?, ?> m) {
    return new Interrupt((String) m.get("id"), num(m, "started_at_ms"), num(m, "deadline_ms"),
        (String) m.get("response_id"), (String) m.get("item_id"), num(m, "audio_end_ms"),
        optional(m, "delivered_audio_ms"), optional(m, "truncate_audio_end_ms"),
        Phase.parse((String) m.get("phase_before")),
        Delivery.valueOf(((String) m.get("client_cancel")).toUpperCase(java.util.Locale.ROOT)),
        Delivery.valueOf(((String) m.get("server_cancel")).toUpperCase(java.util.Locale.ROOT)));
  }

  private static long num(Map<?, ?> m, String key) {
    return ((Number) m.get(key)).longValue();
  }

  /** A field that snapshots written before it existed lack (or null for none). */
  private static long optional(Map<?, ?> m, String key) {
    return m.get(key) instanceof Number n ? n.longValue() : Truncation.NONE;
  }
}
