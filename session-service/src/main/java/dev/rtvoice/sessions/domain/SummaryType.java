package dev.rtvoice.sessions.domain;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The event summaries the state machine understands: the realtime events a client saw on its data
 * channel (or the sideband received), by their OpenAI names, and the client's own events, under
 * {@code client.}. Anything else is refused at the door (400 naming {@code type}), so the machine
 * never has to guess what an event means.
 */
public enum SummaryType {
  // upstream server events (data channel or sideband)
  SESSION_CREATED("session.created", false),
  SPEECH_STARTED("input_audio_buffer.speech_started", false),
  SPEECH_STOPPED("input_audio_buffer.speech_stopped", false),
  AUDIO_COMMITTED("input_audio_buffer.committed", false),
  RESPONSE_CREATED("response.created", true),
  OUTPUT_ITEM_ADDED("response.output_item.added", true),
  OUTPUT_AUDIO_DELTA("response.output_audio.delta", true),
  AUDIO_DELTA_LEGACY("response.audio.delta", true),
  OUTPUT_AUDIO_STARTED("output_audio_buffer.started", true),
  OUTPUT_AUDIO_DONE("response.output_audio.done", true),
  /** WebRTC: all of the response's audio has been streamed out of upstream's buffer. */
  OUTPUT_AUDIO_STOPPED("output_audio_buffer.stopped", true),
  OUTPUT_TRANSCRIPT_DONE("response.output_audio_transcript.done", true),
  TRANSCRIPT_DONE_LEGACY("response.audio_transcript.done", true),
  INPUT_TRANSCRIPTION_COMPLETED("conversation.item.input_audio_transcription.completed", false),
  RESPONSE_DONE("response.done", true),
  OUTPUT_AUDIO_CLEARED("output_audio_buffer.cleared", false),
  ITEM_TRUNCATED("conversation.item.truncated", false),
  ERROR("error", false),

  // the client's own events
  CLIENT_CONNECTED("client.connected", false),
  CLIENT_RECONNECTED("client.reconnected", false),
  CLIENT_PLAYBACK_STOPPED("client.playback_stopped", false),
  CLIENT_ICE_STATE("client.ice_state", false),
  CLIENT_NETWORK_CHANGED("client.network_changed", false),
  CLIENT_CANCEL_FAILED("client.cancel_failed", false),
  CLIENT_ENDED("client.ended", false),
  /** The client is still there (sent on its event stream when it sent nothing else): liveness only. */
  CLIENT_HEARTBEAT("client.heartbeat", false),
  /** The client gave up a planned hand-over to a new upstream call ({@code reason}). */
  CLIENT_ROLLOVER_FAILED("client.rollover_failed", false);

  private static final Map<String, SummaryType> BY_WIRE =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(SummaryType::wire, Function.identity()));

  private final String wire;
  private final boolean responseScoped;

  SummaryType(String wire, boolean responseScoped) {
    this.wire = wire;
    this.responseScoped = responseScoped;
  }

  public String wire() {
    return wire;
  }

  /** Belongs to one response: {@code response_id} is required and the stale rule applies. */
  public boolean responseScoped() {
    return responseScoped;
  }

  /** Only the client can report it; the sideband never produces it. */
  public boolean clientOnly() {
    return wire.startsWith("client.");
  }

  /** First audio of a response: what moves THINKING to SPEAKING. */
  public boolean audio() {
    return this == OUTPUT_AUDIO_DELTA || this == AUDIO_DELTA_LEGACY || this == OUTPUT_AUDIO_STARTED;
  }

  public static Optional<SummaryType> fromWire(String wire) {
    return Optional.ofNullable(BY_WIRE.get(wire));
  }
}
