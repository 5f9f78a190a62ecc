package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every phase times every input: the phase it leads to and the outcome, including every illegal one
 * (refused, state untouched but for the refusal counter). In each phase "r1" is the response of the
 * turn: current in THINKING/SPEAKING, cancelled in CANCELLING and RECOVERING, never started in IDLE
 * and LISTENING (an event for it there means ordering broke).
 */
class TransitionMatrixTest {
  private static final Phase[] PHASES = Phase.values();

  /** Input name, how to apply it, then the expected "PHASE OUTCOME" per phase in enum order. */
  private record Row(String name, Function<Script, Decision> input, String[] expected) {}

  private static Row row(String name, Function<Script, Decision> input, String... expected) {
    if (expected.length != PHASES.length) {
      throw new IllegalArgumentException(name + ": " + expected.length + " expectations");
    }
    return new Row(name, input, expected);
  }

  private static final List<Row> ROWS = List.of(
      //                                                               IDLE            LISTENING       THINKING          SPEAKING         CANCELLING        RECOVERING        ENDED
      row("client.connected", s -> s.send("client.connected"),
          "LISTENING APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "LISTENING APPLIED", "ENDED REFUSED"),
      row("client.reconnected", s -> s.send("client.reconnected", "reason", "network_switch"),
          "LISTENING APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "LISTENING APPLIED", "ENDED REFUSED"),
      row("speech_started", s -> s.send("input_audio_buffer.speech_started"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("speech_stopped", s -> s.send("input_audio_buffer.speech_stopped"),
          "IDLE REFUSED", "THINKING APPLIED", "THINKING APPLIED", "SPEAKING REFUSED", "CANCELLING APPLIED", "RECOVERING REFUSED", "ENDED REFUSED"),
      row("committed", s -> s.send("input_audio_buffer.committed"),
          "IDLE REFUSED", "THINKING APPLIED", "THINKING APPLIED", "SPEAKING REFUSED", "CANCELLING APPLIED", "RECOVERING REFUSED", "ENDED REFUSED"),
      row("response.created r2", s -> s.send("response.created", "response_id", "r2"),
          "IDLE REFUSED", "THINKING APPLIED", "THINKING REFUSED", "SPEAKING REFUSED", "CANCELLING REFUSED", "RECOVERING REFUSED", "ENDED REFUSED"),
      row("response.created r1", s -> s.send("response.created", "response_id", "r1"),
          "IDLE REFUSED", "THINKING APPLIED", "THINKING APPLIED", "SPEAKING REFUSED", "CANCELLING STALE", "RECOVERING STALE", "ENDED REFUSED"),
      row("output_item.added r1", s -> s.send("response.output_item.added", "response_id", "r1", "item_id", "i9"),
          "IDLE REFUSED", "LISTENING REFUSED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING STALE", "RECOVERING STALE", "ENDED REFUSED"),
      row("audio.delta r1", s -> s.send("response.output_audio.delta", "response_id", "r1"),
          "IDLE REFUSED", "LISTENING REFUSED", "SPEAKING APPLIED", "SPEAKING APPLIED", "CANCELLING STALE", "RECOVERING STALE", "ENDED REFUSED"),
      row("audio.delta legacy r1", s -> s.send("response.audio.delta", "response_id", "r1"),
          "IDLE REFUSED", "LISTENING REFUSED", "SPEAKING APPLIED", "SPEAKING APPLIED", "CANCELLING STALE", "RECOVERING STALE", "ENDED REFUSED"),
      row("output_audio_buffer.started r1", s -> s.send("output_audio_buffer.started", "response_id", "r1"),
          "IDLE REFUSED", "LISTENING REFUSED", "SPEAKING APPLIED", "SPEAKING APPLIED", "CANCELLING STALE", "RECOVERING STALE", "ENDED REFUSED"),
      row("output_audio.done r1", s -> s.send("response.output_audio.done", "response_id", "r1"),
          "IDLE REFUSED", "LISTENING REFUSED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING STALE", "RECOVERING STALE", "ENDED REFUSED"),
      row("output_audio_buffer.stopped r1", s -> s.send("output_audio_buffer.stopped", "response_id", "r1"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("transcript.done r1", s -> s.send("response.output_audio_transcript.done", "response_id", "r1", "transcript", "hi"),
          "IDLE REFUSED", "LISTENING REFUSED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING STALE", "RECOVERING STALE", "ENDED REFUSED"),
      row("input transcription", s -> s.send("conversation.item.input_audio_transcription.completed", "transcript", "hello"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("response.done completed r1", s -> s.send("response.done", "response_id", "r1", "status", "completed"),
          "IDLE REFUSED", "LISTENING REFUSED", "LISTENING APPLIED", "LISTENING APPLIED", "LISTENING APPLIED", "RECOVERING STALE", "ENDED REFUSED"),
      row("response.done cancelled r1", s -> s.send("response.done", "response_id", "r1", "status", "cancelled"),
          "IDLE REFUSED", "LISTENING REFUSED", "LISTENING APPLIED", "LISTENING APPLIED", "LISTENING APPLIED", "RECOVERING STALE", "ENDED REFUSED"),
      row("response.done failed r1", s -> s.send("response.done", "response_id", "r1", "status", "failed"),
          "IDLE REFUSED", "LISTENING REFUSED", "RECOVERING APPLIED", "LISTENING APPLIED", "LISTENING APPLIED", "RECOVERING STALE", "ENDED REFUSED"),
      row("error cancel_not_active", s -> s.send("error", "error_code", "response_cancel_not_active"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "LISTENING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("error other", s -> s.send("error", "error_code", "server_error"),
          "IDLE APPLIED", "LISTENING APPLIED", "RECOVERING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("error truncate already shorter", s -> s.send("error", "error_code", "invalid_value",
              "error_message", "Audio content of 0ms is already shorter than 480ms"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("session.created", s -> s.send("session.created"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("output_audio_buffer.cleared", s -> s.send("output_audio_buffer.cleared"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("item.truncated", s -> s.send("conversation.item.truncated", "item_id", "i1"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("client.playback_stopped", s -> s.send("client.playback_stopped", "played_ms", 900),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("client.ice_state failed", s -> s.send("client.ice_state", "ice_state", "failed"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("client.network_changed", s -> s.send("client.network_changed", "network", "wifi"),
          "IDLE APPLIED", "LISTENING APPLIED", "THINKING APPLIED", "SPEAKING APPLIED", "CANCELLING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("client.cancel_failed", s -> s.send("client.cancel_failed"),
          "IDLE REFUSED", "LISTENING REFUSED", "THINKING REFUSED", "SPEAKING REFUSED", "RECOVERING APPLIED", "RECOVERING REFUSED", "ENDED REFUSED"),
      row("client.ended", s -> s.send("client.ended"),
          "ENDED APPLIED", "ENDED APPLIED", "ENDED APPLIED", "ENDED APPLIED", "ENDED APPLIED", "ENDED APPLIED", "ENDED REFUSED"),
      row("interrupt", s -> s.interrupt("int-new"),
          "IDLE REFUSED", "LISTENING REFUSED", "CANCELLING APPLIED", "CANCELLING APPLIED", "CANCELLING REFUSED", "RECOVERING REFUSED", "ENDED REFUSED"),
      row("recover ice_failed", s -> s.recover("ice_failed", Script.T0 + 600_000),
          "RECOVERING APPLIED", "RECOVERING APPLIED", "RECOVERING APPLIED", "RECOVERING APPLIED", "RECOVERING APPLIED", "RECOVERING APPLIED", "ENDED REFUSED"),
      row("tick +100ms", s -> s.tick(100),
          "IDLE NOTHING", "LISTENING NOTHING", "THINKING NOTHING", "SPEAKING NOTHING", "CANCELLING NOTHING", "RECOVERING NOTHING", "ENDED NOTHING"),
      row("tick +9s (past every turn deadline)", s -> s.tick(9_000),
          "IDLE NOTHING", "LISTENING NOTHING", "RECOVERING NOTHING", "SPEAKING NOTHING", "RECOVERING NOTHING", "RECOVERING NOTHING", "ENDED NOTHING"),
      row("sideband cancel failed", s -> s.machine.apply(s.state, new Input.SidebandCancelFailed("int-1", s.now + 5)),
          "IDLE NOTHING", "LISTENING NOTHING", "THINKING NOTHING", "SPEAKING NOTHING", "CANCELLING APPLIED", "RECOVERING NOTHING", "ENDED NOTHING"));

  @TestFactory
  Stream<DynamicTest> everyPhaseTimesEveryInput() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Row row : ROWS) {
      for (int p = 0; p < PHASES.length; p++) {
        Phase phase = PHASES[p];
        String expected = row.expected()[p];
        tests.add(DynamicTest.dynamicTest(phase + " x " + row.name() + " -> " + expected, () -> {
          Script s = new Script().in(phase);
          Map<String, Object> before = s.state.toMap();
          int refusedBefore = s.state.counter(Counter.REFUSED);
          Decision d = row.input().apply(s);
          String[] want = expected.split(" ");
          assertThat(s.state.phase()).as("phase").isEqualTo(Phase.valueOf(want[0]));
          assertThat(d.outcome()).as("outcome").isEqualTo(Decision.Outcome.valueOf(want[1]));
          if (d.outcome() == Decision.Outcome.REFUSED) {
            // refused: never applied, only the refusal counted (plus the ordering flag when a response
            // never started, and the watermark that says the event was seen)
            assertThat(s.state.counter(Counter.REFUSED)).isEqualTo(refusedBefore + 1);
            assertThat(withoutBookkeeping(s.state.toMap())).isEqualTo(withoutBookkeeping(before));
            assertThat(d.events()).noneMatch(e -> e.type() == EventType.SESSION_PHASE_CHANGED);
          }
          if (d.outcome() == Decision.Outcome.STALE) {
            assertThat(d.events()).extracting(Decision.Emitted::type)
                .containsExactly(EventType.SESSION_STALE_EVENT_IGNORED);
            assertThat(s.state.counter(Counter.STALE_EVENTS)).isGreaterThan(0);
          }
          boolean moved = !want[0].equals(phase.name());
          assertThat(d.events().stream().filter(e -> e.type() == EventType.SESSION_PHASE_CHANGED).count())
              .as("phase_changed events").isEqualTo(moved ? 1 : 0);
        }));
      }
    }
    return tests.stream();
  }

  /** Fields that move on any input, applied or not: counters, watermarks, clock, the ordering flag. */
  private static Map<String, Object> withoutBookkeeping(Map<String, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>(m);
    for (String k : List.of("counters", "last_ack_seq", "last_ack_event_id", "last_user_audio_seq", "event_time_ms",
        "last_activity_ms", "order_broken", "seen_upstream")) {
      out.remove(k);
    }
    return out;
  }
}
