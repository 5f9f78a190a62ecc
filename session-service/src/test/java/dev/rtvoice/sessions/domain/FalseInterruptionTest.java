package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.SessionEventCodecs;
import dev.rtvoice.sessions.domain.Decision.Effect;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Speech over the assistant under a false-interruption policy: speech_started / speech_stopped of
 * chosen lengths and transcripts; short ones resume SPEAKING, long ones cancel.
 */
class FalseInterruptionTest {
  private static final MachineSettings MIN_600_MS = MachineSettings.defaults().withInterruptPolicy(600, 0, 2_000);
  private static final MachineSettings MIN_3_WORDS = MachineSettings.defaults().withInterruptPolicy(300, 3, 2_000);

  /** A speaking session that the user talks over for {@code speechMs} (then stops). */
  private static Script talkOver(MachineSettings settings, long speechMs, List<Decision> out) {
    Script s = new Script(settings).speaking();
    s.send("client.connected", "call_id", "rtc_1");
    out.add(s.send("input_audio_buffer.speech_started"));
    assertThat(s.state.phase()).isEqualTo(Phase.PENDING_INTERRUPT);
    s.now += speechMs - 10;
    out.add(s.send("input_audio_buffer.speech_stopped"));
    return s;
  }

  private static List<EventType> types(List<Decision> ds) {
    return ds.stream().flatMap(d -> d.events().stream()).map(Decision.Emitted::type).toList();
  }

  private static Map<String, Object> payload(List<Decision> ds, EventType type) {
    return SessionEventCodecs.encode(ds.stream().flatMap(d -> d.events().stream()).filter(e -> e.type() == type)
        .findFirst().orElseThrow().payload()).getMap();
  }

  @Test
  void aCoughShorterThanTheMinimumResumesTheAnswerWithoutACancel() {
    List<Decision> ds = new java.util.ArrayList<>();
    Script s = talkOver(MIN_600_MS, 250, ds);
    assertThat(s.state.phase()).isEqualTo(Phase.SPEAKING);
    assertThat(s.state.responseId()).isEqualTo("r1");  // the same response goes on
    assertThat(s.state.counter(Counter.FALSE_INTERRUPTIONS)).isEqualTo(1);
    assertThat(s.state.counter(Counter.INTERRUPTS)).isZero();
    assertThat(types(ds)).contains(EventType.SESSION_FALSE_INTERRUPTION).doesNotContain(EventType.SESSION_INTERRUPTED);
    assertThat(payload(ds, EventType.SESSION_FALSE_INTERRUPTION)).containsEntry("response_id", "r1")
        .containsEntry("speech_ms", 250L).containsEntry("reason", "too_short");
    assertThat(ds).flatMap(Decision::effects).noneMatch(e -> e instanceof Effect.CancelUpstream);
    // the audio buffer committed after it is the user's, not an illegal event; the answer goes on to its end
    assertThat(s.send("input_audio_buffer.committed").outcome()).isEqualTo(Decision.Outcome.APPLIED);
    s.send("response.output_audio_transcript.done", "response_id", "r1", "transcript", "the whole answer");
    s.send("response.done", "response_id", "r1", "status", "completed");
    assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    assertThat(s.state.summary().render()).contains("the whole answer");
  }

  @Test
  void speechThatLastsTheMinimumCommitsTheCancelWhileTheUserStillSpeaks() {
    Script s = new Script(MIN_600_MS).speaking();
    s.send("client.connected", "call_id", "rtc_1");
    s.send("input_audio_buffer.speech_started");
    long started = s.now;
    assertThat(s.tick(300).changedState()).isFalse();
    assertThat(s.state.phase()).isEqualTo(Phase.PENDING_INTERRUPT);
    // the owner's clock passes the minimum: the interrupt is committed at its due time
    Decision d = s.tick(400);
    assertThat(s.state.phase()).isEqualTo(Phase.CANCELLING);
    assertThat(s.state.interrupt().startedAtMs()).isEqualTo(started + 600);
    assertThat(s.state.interrupt().responseId()).isEqualTo("r1");
    assertThat(s.state.interrupt().truncateAtMs()).isEqualTo(s.state.interrupt().deliveredMs());
    assertThat(d.effects()).contains(new Effect.CancelUpstream(s.state.interrupt().id(), "r1"));
    assertThat(payloadOf(d, EventType.SESSION_PHASE_CHANGED)).containsEntry("from", "PENDING_INTERRUPT")
        .containsEntry("cause", "speech_committed");
    assertThat(s.state.counter(Counter.INTERRUPTS)).isEqualTo(1);
    assertThat(s.state.counter(Counter.FALSE_INTERRUPTIONS)).isZero();
    // the speech's end is the next turn's; upstream's acknowledgement closes the interrupt
    s.send("input_audio_buffer.speech_stopped");
    s.sideband("response.done", "response_id", "r1", "status", "cancelled");
    assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    assertThat(s.state.counter(Counter.INTERRUPTS_RECOVERED)).isEqualTo(1);
  }

  @Test
  void longSpeechStoppingPastTheMinimumCancelsWhenNoTickCameFirst() {
    List<Decision> ds = new java.util.ArrayList<>();
    Script s = talkOver(MIN_600_MS, 900, ds);
    assertThat(s.state.phase()).isEqualTo(Phase.CANCELLING);
    // the deadline fired at its own time, before the speech_stopped was applied
    assertThat(s.state.interrupt().startedAtMs()).isEqualTo(s.now - 900 + 600);
    assertThat(types(ds)).contains(EventType.SESSION_INTERRUPTED).doesNotContain(EventType.SESSION_FALSE_INTERRUPTION);
  }

  @Test
  void aBackchannelWithTooFewWordsResumesAndASentenceCancels() {
    List<Decision> ds = new java.util.ArrayList<>();
    Script s = talkOver(MIN_3_WORDS, 700, ds);
    assertThat(s.state.phase()).as("long enough: its words decide").isEqualTo(Phase.PENDING_INTERRUPT);
    ds.add(s.send("conversation.item.input_audio_transcription.completed", "transcript", "uh-huh, mm-hm"));
    assertThat(s.state.phase()).isEqualTo(Phase.SPEAKING);
    assertThat(payload(ds, EventType.SESSION_FALSE_INTERRUPTION)).containsEntry("words", 2)
        .containsEntry("reason", "too_few_words").containsEntry("speech_ms", 700L);

    List<Decision> again = new java.util.ArrayList<>();
    Script t = talkOver(MIN_3_WORDS, 700, again);
    again.add(t.send("conversation.item.input_audio_transcription.completed", "transcript", "wait, stop that please"));
    assertThat(t.state.phase()).isEqualTo(Phase.CANCELLING);
    assertThat(types(again)).contains(EventType.SESSION_INTERRUPTED);
  }

  @Test
  void shortSpeechResumesBeforeAnyTranscriptWhenADurationIsAlsoRequired() {
    List<Decision> ds = new java.util.ArrayList<>();
    Script s = talkOver(MIN_3_WORDS, 200, ds);
    assertThat(s.state.phase()).isEqualTo(Phase.SPEAKING);
    assertThat(payload(ds, EventType.SESSION_FALSE_INTERRUPTION)).containsEntry("reason", "too_short");
  }

  @Test
  void noTranscriptWithinTheWaitIsAFalseInterruption() {
    List<Decision> ds = new java.util.ArrayList<>();
    Script s = talkOver(MIN_3_WORDS, 700, ds);
    long stopped = s.now;
    Decision d = s.tick(2_500);
    assertThat(s.state.phase()).isEqualTo(Phase.SPEAKING);
    assertThat(s.state.eventTimeMs()).isEqualTo(stopped + 2_000);
    assertThat(payloadOf(d, EventType.SESSION_FALSE_INTERRUPTION)).containsEntry("reason", "no_transcript");
  }

  @Test
  void theResponseEndingWhileTheUserSpeaksGivesTheUserTheFloorWithoutACancel() {
    Script s = new Script(MIN_600_MS).pendingInterrupt();
    s.send("response.output_audio_transcript.done", "response_id", "r1", "transcript", "the end");
    s.send("response.done", "response_id", "r1", "status", "completed");
    assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    assertThat(s.state.pendingSpeechStartedAtMs()).isEqualTo(-1);
    s.send("input_audio_buffer.speech_stopped");
    assertThat(s.state.phase()).isEqualTo(Phase.THINKING);
    assertThat(s.state.counter(Counter.INTERRUPTS) + s.state.counter(Counter.FALSE_INTERRUPTIONS)).isZero();
  }

  @Test
  void theClientsOwnInterruptCommitsAPendingOne() {
    Script s = new Script(MIN_600_MS).pendingInterrupt();
    Decision d = s.interrupt("int_client");
    assertThat(d.reply()).containsEntry("outcome", "applied").containsEntry("phase_before", "PENDING_INTERRUPT");
    assertThat(s.state.phase()).isEqualTo(Phase.CANCELLING);
  }

  @Test
  void theClientsInterruptAfterTheServiceCommittedIsTheSameInterrupt() {
    Script s = new Script(MIN_600_MS).pendingInterrupt();
    long started = s.now;
    // the client's policy decides on its clock at the same moment: its interrupt passes the deadline first
    s.now = started + 640;
    Decision d = s.machine.apply(s.state, new Input.InterruptRequest("int_client", s.now, 600, "r1", "i1", false));
    assertThat(d.outcome()).isEqualTo(Decision.Outcome.DUPLICATE);
    assertThat(d.reply()).containsEntry("outcome", "duplicate").containsEntry("interrupt_id", "int_client")
        .containsEntry("response_id", "r1").containsEntry("phase", "CANCELLING");
    assertThat(s.state.interrupt().id()).startsWith(Interrupts.SPEECH_PREFIX);
    assertThat(s.state.counter(Counter.INTERRUPTS)).isEqualTo(1);
    // an interrupt naming another response is not that one: refused as in any CANCELLING
    Decision other = s.machine.apply(s.state, new Input.InterruptRequest("int_other", s.now + 5, 0, "r7", null, false));
    assertThat(other.outcome()).isEqualTo(Decision.Outcome.REFUSED);
  }

  @Test
  void withoutAPolicySpeechOverTheAssistantChangesNothing() {
    Script s = new Script().speaking();
    s.send("input_audio_buffer.speech_started");
    assertThat(s.state.phase()).isEqualTo(Phase.SPEAKING);
    s.tick(9_000);
    assertThat(s.state.phase()).isEqualTo(Phase.SPEAKING);
  }

  @Test
  void thePendingStateSurvivesASnapshotAndReplays() {
    Script s = new Script(MIN_3_WORDS);
    s.speaking();
    s.send("input_audio_buffer.speech_started");
    s.now += 690;
    s.send("input_audio_buffer.speech_stopped");
    SessionState restored = SessionState.fromMap(s.state.toMap(), MIN_3_WORDS.summaryMaxChars());
    assertThat(restored.toMap()).isEqualTo(s.state.toMap());
    Script r = new Script(MIN_3_WORDS, restored);
    r.now = s.now;
    r.seq = s.seq;
    r.send("conversation.item.input_audio_transcription.completed", "transcript", "no no no");
    s.send("conversation.item.input_audio_transcription.completed", "transcript", "no no no");
    assertThat(r.state.toMap()).isEqualTo(s.state.toMap());
    assertThat(r.state.phase()).isEqualTo(Phase.CANCELLING);
  }

  @Test
  void wordsAreCountedAsAListenerWould() {
    assertThat(FalseInterruptions.words("uh-huh")).isEqualTo(1);
    assertThat(FalseInterruptions.words("  mm-hm.  ")).isEqualTo(1);
    assertThat(FalseInterruptions.words("don't stop, go on")).isEqualTo(4);
    assertThat(FalseInterruptions.words("")).isZero();
    assertThat(FalseInterruptions.words("... !!")).isZero();
    assertThat(FalseInterruptions.words("はい 好的")).isEqualTo(2);
  }

  private static Map<String, Object> payloadOf(Decision d, EventType type) {
    return payload(List.of(d), type);
  }
}
