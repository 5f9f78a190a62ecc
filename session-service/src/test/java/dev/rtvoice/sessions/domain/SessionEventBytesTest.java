package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventType;
import dev.rtvoice.sessions.kafka.SessionEvents;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The bytes session-service puts on {@code realtime.session.events} for every derived event type,
 * including the variants with nulls (no device, no response followed, no audio measured, no gap
 * reported, no words counted): the state machine runs scripted sessions, and each event it emits is
 * encoded the way the owner writes it ({@link SessionEvents}, through common's
 * {@code SessionEventCodecs}). The golden file {@code session-events-golden.jsonl} holds what the
 * service wrote when the machine still built its payloads as maps, encoded directly: each line must
 * come out byte for byte (field names, order, explicit nulls, integers as integers), and equal as a
 * JSON tree. docs/events.md is the contract both follow.
 */
class SessionEventBytesTest {
  private static final String GOLDEN = "/session-events-golden.jsonl";
  private static final Instant RECORDED_AT = Instant.parse("2026-01-01T00:00:05Z");
  private static final long MIN = 60_000;
  /** The defaults, but a day's idle timeout (the hand-over scripts stay quiet for an hour). */
  private static final MachineSettings LONG_IDLE =
      new MachineSettings(8_000, 1_500, 2_000, 32, 2_000, 30_000, 24 * 3_600_000L, 3_600_000L);

  /** The event types session-service derives onto {@code realtime.session.events}. */
  private static final Set<EventType> DERIVED = EnumSet.of(EventType.SESSION_STARTED, EventType.SESSION_ENDED,
      EventType.SESSION_PHASE_CHANGED, EventType.SESSION_INTERRUPTED, EventType.SESSION_INTERRUPT_RECOVERED,
      EventType.SESSION_INTERRUPT_RECOVERY_FAILED, EventType.SESSION_RECONNECT, EventType.SESSION_ICE_RESTART,
      EventType.SESSION_ICE_FAILED, EventType.SESSION_STALE_EVENT_IGNORED, EventType.SESSION_FALSE_INTERRUPTION,
      EventType.SESSION_ROLLOVER, EventType.SESSION_BUDGET_EXCEEDED, EventType.SESSION_CALL_HUNG_UP);

  private final List<String> lines = new ArrayList<>();

  private void collect(Script s, Decision d) {
    for (Decision.Emitted e : d.events()) {
      UUID id = UUID.nameUUIDFromBytes(("golden/" + lines.size()).getBytes(StandardCharsets.UTF_8));
      lines.add(SessionEvents.encode(id, s.state.sessionId(), e, RECORDED_AT, "session-service")
          .toString(StandardCharsets.UTF_8));
    }
  }

  private Script started(MachineSettings settings, String deviceId) {
    SessionState state = SessionState.start("rts_golden_" + lines.size(), "user-1", deviceId, "web", Script.T0,
        settings.summaryMaxChars());
    Script s = new Script(settings, state);
    collect(s, s.machine.start(state));
    return s;
  }

  /** Every derived event type, in scripted sessions; the encoded records in order. */
  private List<String> scripted() {
    // interrupts: a client barge-in acknowledged, late audio ignored, the session ended by the client
    Script a = started(MachineSettings.defaults(), "device-1");
    collect(a, a.send("client.connected", "call_id", "c1"));
    collect(a, a.send("input_audio_buffer.speech_stopped"));
    collect(a, a.send("response.created", "response_id", "r1"));
    collect(a, a.send("response.output_item.added", "response_id", "r1", "item_id", "i1"));
    collect(a, a.send("response.output_audio.delta", "response_id", "r1", "item_id", "i1"));
    a.now += 700;
    collect(a, a.interrupt("int-1"));
    collect(a, a.sideband("response.done", "response_id", "r1", "status", "cancelled"));
    collect(a, a.send("response.output_audio.delta", "response_id", "r1", "item_id", "i1"));
    collect(a, a.send("response.done", "response_id", "r1", "status", "completed"));
    collect(a, a.send("client.ended"));

    // an interrupt before any response (no response, no audio measured) whose cancel is never acknowledged
    Script b = started(MachineSettings.defaults(), null);
    collect(b, b.send("client.connected"));
    collect(b, b.send("input_audio_buffer.speech_stopped"));
    collect(b, b.interrupt("int-2"));
    collect(b, b.tick(5_000));

    // recoveries: transport, ICE
    Script c = started(MachineSettings.defaults(), "device-3");
    collect(c, c.send("client.connected", "call_id", "c3"));
    collect(c, c.send("client.ice_state", "ice_state", "failed"));
    collect(c, c.recover("ice_failed", c.now + 120_000));
    collect(c, c.recover("network_switch", c.now + 600_000));

    // false interruptions: too short (no words counted), too few words
    Script f = started(MachineSettings.defaults().withInterruptPolicy(600, 0, 2_000), "device-4");
    collect(f, f.send("client.connected", "call_id", "c4"));
    f.speaking();
    collect(f, f.send("input_audio_buffer.speech_started"));
    f.now += 240;
    collect(f, f.send("input_audio_buffer.speech_stopped"));
    Script w = started(MachineSettings.defaults().withInterruptPolicy(300, 3, 2_000), "device-5");
    collect(w, w.send("client.connected", "call_id", "c5"));
    w.speaking();
    collect(w, w.send("input_audio_buffer.speech_started"));
    w.now += 500;
    collect(w, w.send("input_audio_buffer.speech_stopped"));
    collect(w, w.send("conversation.item.input_audio_transcription.completed", "transcript", "wait what"));
    collect(w, w.tick(3_000));

    // hand-overs: planned at the call's age and completed with a gap, completed without one, failed
    Script h = started(LONG_IDLE, "device-6");
    collect(h, h.send("client.connected", "call_id", "c1"));
    h.state.clientHeard(h.now);
    collect(h, h.tick(CallLimits.DEFAULTS.rolloverAfterMs()));
    collect(h, h.recover("rollover", Script.T0 + 3_600_000));
    collect(h, h.send("client.reconnected", "reason", "rollover", "call_id", "c2", "gap_ms", 140));
    collect(h, h.recover("rollover", h.now + 3_600_000));
    collect(h, h.send("client.reconnected", "reason", "rollover", "call_id", "c3"));
    collect(h, h.recover("rollover", h.now + 3_600_000));
    collect(h, h.send("client.rollover_failed", "reason", "peer_failed"));
    collect(h, h.recover("rollover", h.now + 3_600_000));
    collect(h, h.tick(CallLimits.DEFAULTS.rolloverDeadlineMs() + 100));

    // a budget exceeded; a client that vanished
    Script g = started(LONG_IDLE, "device-7");
    collect(g, g.send("client.connected", "call_id", "c7"));
    collect(g, g.machine.apply(g.state, new Input.BudgetExceeded("tenant", "concurrency", 101, 100, g.now + 5)));
    Script v = started(LONG_IDLE, "device-8");
    collect(v, v.send("client.connected", "call_id", "c8"));
    v.state.clientHeard(v.now);
    long due = v.machine.livenessDueWallMs(v.state);
    collect(v, v.machine.apply(v.state, new Input.Tick(v.now + 100, due + MIN)));
    return lines;
  }

  private static List<String> golden() throws IOException {
    try (InputStream in = SessionEventBytesTest.class.getResourceAsStream(GOLDEN)) {
      assertThat(in).as(GOLDEN).isNotNull();
      return Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
          .filter(l -> !l.isBlank()).toList();
    }
  }

  @Test
  void everyDerivedEventIsWrittenAsBefore() throws IOException {
    List<String> written = scripted();
    List<String> expected = golden();
    assertThat(written).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(new JsonObject(written.get(i))).as("record %d as a tree", i).isEqualTo(new JsonObject(expected.get(i)));
      assertThat(written.get(i)).as("record %d byte for byte", i).isEqualTo(expected.get(i));
    }
  }

  @Test
  void theScriptsCoverEveryDerivedTypeAndItsNullVariants() throws IOException {
    List<JsonObject> events = golden().stream().map(JsonObject::new).toList();
    assertThat(events.stream().map(e -> EventType.fromWireName(e.getString("type")).orElseThrow())
        .collect(Collectors.toSet())).containsExactlyInAnyOrderElementsOf(DERIVED);
    assertThat(payloads(events, "session.started")).anyMatch(p -> p.getValue("device_id") == null);
    assertThat(payloads(events, "session.interrupted"))
        .anyMatch(p -> p.getValue("response_id") == null && p.getValue("delivered_audio_ms") == null)
        .anyMatch(p -> p.getValue("truncate_audio_end_ms") != null);
    assertThat(payloads(events, "session.false_interruption"))
        .anyMatch(p -> p.containsKey("words") && p.getValue("words") == null)
        .anyMatch(p -> p.getValue("words") != null);
    assertThat(payloads(events, "session.rollover").stream().map(p -> p.getString("outcome")).distinct())
        .containsExactlyInAnyOrder("planned", "completed", "failed");
    assertThat(payloads(events, "session.rollover"))
        .anyMatch(p -> "completed".equals(p.getString("outcome")) && p.getValue("gap_ms") == null)
        .anyMatch(p -> "completed".equals(p.getString("outcome")) && p.getValue("gap_ms") != null);
  }

  private static List<JsonObject> payloads(List<JsonObject> events, String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).map(e -> e.getJsonObject("payload")).toList();
  }
}
