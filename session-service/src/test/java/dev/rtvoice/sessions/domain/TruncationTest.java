package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.SessionEventCodecs;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An interrupt's truncate never goes past the audio the service saw delivered for the item. */
class TruncationTest {

  private static Decision interrupt(Script s, String id, long audioEndMs) {
    s.now += 10;
    return s.machine.apply(s.state, new Input.InterruptRequest(id, s.now, audioEndMs, null, null, true));
  }

  private static Map<String, Object> interrupted(Decision d) {
    return SessionEventCodecs.encode(d.events().stream().filter(e -> e.type() == EventType.SESSION_INTERRUPTED)
        .findFirst().orElseThrow().payload()).getMap();
  }

  @Test
  void noAudioDeliveredYetMeansCancelOnlyWhateverTheClientSays() {
    Script s = new Script().thinking(); // r1 / i1 announced, no audio
    Decision d = interrupt(s, "int-1", 480);
    assertThat(s.state.phase()).isEqualTo(Phase.CANCELLING);
    assertThat(d.reply()).containsEntry("item_id", "i1").containsEntry("audio_end_ms", 480L)
        .containsEntry("truncate_audio_end_ms", null).containsEntry("delivered_audio_ms", null);
    assertThat(d.effects()).containsExactly(new Decision.Effect.CancelUpstream("int-1", "r1"));
    assertThat(interrupted(d)).containsEntry("truncate_audio_end_ms", null).containsEntry("audio_end_ms", 480L);
    assertThat(s.state.interrupt().truncateAtMs()).isEqualTo(Truncation.NONE);
  }

  @Test
  void theTruncateIsClampedToTheTimeSinceTheFirstAudio() {
    Script s = new Script().thinking();
    s.sideband("response.output_audio.delta", "response_id", "r1", "item_id", "i1");
    long firstAudio = s.now;
    assertThat(s.state.audioStartedAtMs()).isEqualTo(firstAudio);
    s.now += 290;
    Decision d = interrupt(s, "int-1", 480); // 300 ms after the first audio
    assertThat(d.reply()).containsEntry("delivered_audio_ms", 300L).containsEntry("truncate_audio_end_ms", 300L)
        .containsEntry("audio_end_ms", 480L);
    assertThat(interrupted(d)).containsEntry("delivered_audio_ms", 300L).containsEntry("truncate_audio_end_ms", 300L);
  }

  @Test
  void whatTheClientPlayedIsKeptWhenItIsLess() {
    Script s = new Script().speaking(); // first audio from the client's report
    s.now += 990;
    Decision d = interrupt(s, "int-1", 200);
    assertThat(d.reply()).containsEntry("truncate_audio_end_ms", 200L).containsEntry("delivered_audio_ms", 1_000L);
  }

  @Test
  void audioThatStoppedStreamingBoundsTheTruncate() {
    Script s = new Script().thinking();
    s.send("output_audio_buffer.started", "response_id", "r1", "item_id", "i1");
    long started = s.now;
    s.now += 240;
    s.sideband("output_audio_buffer.stopped", "response_id", "r1");
    assertThat(s.state.audioStoppedAtMs()).isEqualTo(started + 250);
    s.now += 5_000;
    Decision d = interrupt(s, "int-1", 4_800);
    assertThat(d.reply()).containsEntry("truncate_audio_end_ms", 250L);
  }

  @Test
  void onlyTheInterruptedResponsesAudioCounts() {
    Script s = new Script().speaking();
    s.send("response.done", "response_id", "r1", "status", "completed");
    s.send("input_audio_buffer.speech_stopped");
    s.send("response.created", "response_id", "r2");
    s.send("response.output_item.added", "response_id", "r2", "item_id", "i2");
    assertThat(s.state.audioStartedAtMs()).isEqualTo(-1);
    s.now += 2_000;
    Decision d = interrupt(s, "int-2", 480);
    assertThat(d.reply()).containsEntry("item_id", "i2").containsEntry("truncate_audio_end_ms", null);
  }

  @Test
  void aResponseTheServiceHasNotHeardOfHasNoDeliveredAudio() {
    Script s = new Script().listening();
    s.send("input_audio_buffer.speech_stopped");
    s.now += 10;
    Decision d = s.machine.apply(s.state, new Input.InterruptRequest("int-1", s.now, 480, "r_client", "i_client", false));
    assertThat(d.reply()).containsEntry("response_id", "r_client").containsEntry("item_id", "i_client")
        .containsEntry("truncate_audio_end_ms", null);
  }

  @Test
  void anAlreadyShorterRefusalIsCountedApartAndRecoversNothing() {
    Script s = new Script().speaking();
    interrupt(s, "int-1", 480);
    Decision refusal = s.sideband("error", "error_code", "invalid_value",
        "error_message", "Audio content of 300ms is already shorter than 480ms");
    assertThat(refusal.outcome()).isEqualTo(Decision.Outcome.APPLIED);
    assertThat(s.state.phase()).isEqualTo(Phase.CANCELLING);
    assertThat(s.state.counter(Counter.TRUNCATE_OVERSHOOTS)).isEqualTo(1);
    assertThat(s.state.counter(Counter.UPSTREAM_ERRORS)).isZero();
    assertThat(s.state.counter(Counter.INTERRUPTS_FAILED)).isZero();
    // the interrupt still closes on its cancel's acknowledgement
    s.sideband("response.done", "response_id", "r1", "status", "cancelled");
    assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    assertThat(s.state.counter(Counter.INTERRUPTS_RECOVERED)).isEqualTo(1);

    // in the next turn's THINKING, a late refusal does not send it to recovery either
    s.send("input_audio_buffer.speech_stopped");
    s.send("error", "error_code", "invalid_value", "error_message", "Audio content of 0ms is already shorter than 5ms");
    assertThat(s.state.phase()).isEqualTo(Phase.THINKING);
    assertThat(s.state.counter(Counter.TRUNCATE_OVERSHOOTS)).isEqualTo(2);
  }

  @Test
  void theRefusalIsToldApartByItsMessageOnly() {
    assertThat(Truncation.isAlreadyShorter("Audio content of 2450ms is already shorter than 2535ms")).isTrue();
    assertThat(Truncation.isAlreadyShorter("Audio content of 9250 ms is already shorter than 57340 ms")).isTrue();
    assertThat(Truncation.isAlreadyShorter("Invalid 'audio_end_ms': expected a non-negative integer.")).isFalse();
    assertThat(Truncation.isAlreadyShorter(null)).isFalse();
    assertThat(Truncation.truncateAtMs(480, null, 300)).isEqualTo(Truncation.NONE);
    assertThat(Truncation.truncateAtMs(480, "i1", 0)).isEqualTo(Truncation.NONE);
    assertThat(Truncation.truncateAtMs(0, "i1", 300)).isZero();
    assertThat(Truncation.deliveredMs(1_000, 1_200, 5_000)).isEqualTo(200);
    assertThat(Truncation.deliveredMs(1_000, -1, 1_300)).isEqualTo(300);
    assertThat(Truncation.deliveredMs(-1, -1, 1_300)).isEqualTo(Truncation.NONE);
    // an error's message is cut to its bound, not refused
    EventSummary long_ = Script.summary("error", 1, Script.T0, "error_message", "x".repeat(10_000));
    assertThat(long_.errorMessage()).hasSize(EventSummary.MAX_ERROR_MESSAGE_CHARS);
  }

  @Test
  void theMeasureAndTheOpenInterruptSurviveASnapshot() {
    Script s = new Script().speaking();
    s.now += 100;
    interrupt(s, "int-1", 480);
    Map<String, Object> snapshot = s.state.toMap();
    SessionState back = SessionState.fromMap(new JsonObject(new JsonObject(snapshot).encode()).getMap(), 2_000);
    assertThat(back.interrupt().truncateAtMs()).isEqualTo(s.state.interrupt().truncateAtMs()).isEqualTo(110);
    assertThat(new JsonObject(back.toMap())).isEqualTo(new JsonObject(snapshot));
    // a snapshot written before the measure existed restores with none
    Map<String, Object> old = new JsonObject(snapshot).getMap();
    old.remove("audio_started_at_ms");
    old.remove("audio_stopped_at_ms");
    SessionState older = SessionState.fromMap(old, 2_000);
    assertThat(older.audioStartedAtMs()).isEqualTo(-1);
  }
}
