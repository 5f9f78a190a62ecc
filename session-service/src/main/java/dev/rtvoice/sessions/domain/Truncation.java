package dev.rtvoice.sessions.domain;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where an interrupted assistant item may be truncated: never past the audio that was delivered for
 * it, since upstream refuses a {@code conversation.item.truncate} longer than the item's audio ("Audio
 * content of Xms is already shorter than Yms") and a truncate past what the user heard makes the model
 * believe it said what nobody heard.
 *
 * <p>What the service can measure as delivered, from the events it sees (the client's reports and the
 * sideband's): the event time of the response's first audio ({@code output_audio_buffer.started} or
 * its first {@code response.output_audio.delta}) up to the interrupt's event time, or up to
 * {@code output_audio_buffer.stopped} when upstream said all of the audio has been streamed. Audio
 * reaches a WebRTC client at the pace it plays, so nobody can have heard more than that span. Audio
 * deltas carry no duration the service keeps (the sideband forwards a response's first delta only), and
 * {@code response.output_audio.done} marks the end of generation, not of delivery, so neither moves the
 * measure. No audio seen for the response: nothing to truncate, the interrupt is a cancel only.
 */
public final class Truncation {
  /** Nothing to truncate. */
  public static final long NONE = -1;

  private static final Pattern ALREADY_SHORTER =
      Pattern.compile("Audio content of \\d+ ?ms is already shorter than \\d+ ?ms.*", Pattern.DOTALL);

  private Truncation() {}

  /**
   * The milliseconds of audio delivered by {@code atMs}, or {@link #NONE} when no audio was seen.
   *
   * @param audioStartedAtMs event time of the response's first audio, negative if none
   * @param audioStoppedAtMs event time upstream finished streaming it, negative if not yet
   */
  public static long deliveredMs(long audioStartedAtMs, long audioStoppedAtMs, long atMs) {
    if (audioStartedAtMs < 0) {
      return NONE;
    }
    long end = audioStoppedAtMs >= 0 ? Math.min(audioStoppedAtMs, atMs) : atMs;
    return Math.max(0, end - audioStartedAtMs);
  }

  /**
   * Where to truncate the item: what the client says it played, clamped to what was delivered; or
   * {@link #NONE} (cancel only) when the item is unknown or none of its audio was delivered.
   */
  public static long truncateAtMs(long requestedMs, String itemId, long deliveredMs) {
    if (itemId == null || deliveredMs <= 0) {
      return NONE;
    }
    return Math.max(0, Math.min(requestedMs, deliveredMs));
  }

  /**
   * The truncate for an interrupt whose decision has not come back yet, from the session's latest
   * snapshot ({@link SessionState#toMap()}): the decision itself if the snapshot already holds it, else
   * the same clamp on the snapshot's measure of the response's audio; {@link #NONE} when unknown.
   */
  public static long fromSnapshot(Map<?, ?> snapshot, String interruptId, String responseId, String itemId,
                                  long requestedMs, long atMs) {
    if (snapshot == null) {
      return NONE;
    }
    if (snapshot.get("interrupt") instanceof Map<?, ?> open && interruptId.equals(open.get("id"))) {
      return open.get("truncate_audio_end_ms") instanceof Number n ? n.longValue() : NONE;
    }
    if (responseId == null || !responseId.equals(snapshot.get("response_id"))
        || !(snapshot.get("audio_started_at_ms") instanceof Number started)) {
      return NONE;
    }
    long stopped = snapshot.get("audio_stopped_at_ms") instanceof Number n ? n.longValue() : -1;
    return truncateAtMs(requestedMs, itemId, deliveredMs(started.longValue(), stopped, atMs));
  }

  /** Upstream's refusal of a truncate longer than the item's audio. */
  public static boolean isAlreadyShorter(String errorMessage) {
    return errorMessage != null && ALREADY_SHORTER.matcher(errorMessage).matches();
  }
}
