package dev.rtvoice.sessions.domain;

import java.util.HashMap;
import java.util.Map;

/** Builds inputs for a session in tests: client events get the next sequence number, times move on. */
final class Script {
  static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  final SessionMachine machine;
  final SessionState state;
  long seq;
  long now = T0;

  Script(MachineSettings settings) {
    this.machine = new SessionMachine(settings);
    this.state = SessionState.start("rts_test", "user-1", "device-1", "web", T0, settings.summaryMaxChars());
  }

  Script(MachineSettings settings, SessionState state) {
    this.machine = new SessionMachine(settings);
    this.state = state;
  }

  Script() {
    this(MachineSettings.defaults());
  }

  /** A client summary of {@code type} with the next sequence number, 10 ms after the last input. */
  EventSummary client(String type, Object... fields) {
    now += 10;
    return summary(type, ++seq, now, fields);
  }

  static EventSummary summary(String type, long seq, long at, Object... fields) {
    Map<String, Object> m = new HashMap<>();
    m.put("type", type);
    if (seq > 0) {
      m.put("seq", seq);
    }
    m.put("occurred_at_ms", at);
    for (int i = 0; i < fields.length; i += 2) {
      m.put((String) fields[i], fields[i + 1]);
    }
    return EventSummary.parse(m, "", seq > 0, Long.MAX_VALUE / 4, 0);
  }

  Decision send(String type, Object... fields) {
    return machine.apply(state, new Input.Observed(client(type, fields), Input.Source.CLIENT));
  }

  Decision sideband(String type, Object... fields) {
    now += 10;
    return machine.apply(state, new Input.Observed(summary(type, 0, now, fields), Input.Source.SIDEBAND));
  }

  Decision interrupt(String id) {
    now += 10;
    return machine.apply(state, new Input.InterruptRequest(id, now, 1200, null, null, false));
  }

  Decision interrupt(String id, boolean sideband) {
    now += 10;
    return machine.apply(state, new Input.InterruptRequest(id, now, 1200, null, null, sideband));
  }

  Decision recover(String reason, long secretExpiresAt) {
    now += 10;
    return machine.apply(state, new Input.RecoveryRequest(reason, now, secretExpiresAt, now));
  }

  Decision tick(long advanceMs) {
    now += advanceMs;
    return machine.apply(state, new Input.Tick(now));
  }

  // ---- getting to each phase ----

  Script listening() {
    send("client.connected");
    return this;
  }

  Script thinking() {
    listening();
    send("input_audio_buffer.speech_stopped");
    send("response.created", "response_id", "r1");
    send("response.output_item.added", "response_id", "r1", "item_id", "i1");
    return this;
  }

  Script speaking() {
    thinking();
    send("response.output_audio.delta", "response_id", "r1", "item_id", "i1");
    return this;
  }

  Script cancelling() {
    speaking();
    interrupt("int-1");
    return this;
  }

  Script recovering() {
    thinking();
    send("error", "error_code", "server_error");
    return this;
  }

  Script ended() {
    listening();
    send("client.ended");
    return this;
  }

  /** The user starts speaking over the assistant (needs a false-interruption policy). */
  Script pendingInterrupt() {
    speaking();
    send("input_audio_buffer.speech_started");
    return this;
  }

  Script in(Phase phase) {
    switch (phase) {
      case IDLE -> { }
      case LISTENING -> listening();
      case THINKING -> thinking();
      case SPEAKING -> speaking();
      case PENDING_INTERRUPT -> pendingInterrupt();
      case CANCELLING -> cancelling();
      case RECOVERING -> recovering();
      case ENDED -> ended();
      default -> throw new IllegalArgumentException();
    }
    if (state.phase() != phase) {
      throw new IllegalStateException("wanted " + phase + ", got " + state.phase());
    }
    return this;
  }
}
