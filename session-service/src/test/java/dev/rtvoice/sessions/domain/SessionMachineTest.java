package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.SessionEventCodecs;
import dev.rtvoice.common.event.payload.SessionPhaseChangedPayload;
import dev.rtvoice.sessions.domain.Decision.Outcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The rules of the state machine beyond single transitions: staleness, ordering, time, interrupts. */
class SessionMachineTest {

  private static List<EventType> types(Decision d) {
    return d.events().stream().map(Decision.Emitted::type).toList();
  }

  private static Map<String, Object> payload(Decision d, EventType type) {
    return SessionEventCodecs.encode(d.events().stream().filter(e -> e.type() == type).findFirst().orElseThrow()
        .payload()).getMap();
  }

  @Nested
  class Stale {
    @Test
    void eventsOfACancelledResponseAreIgnoredAndNeverReviveSpeaking() {
      Script s = new Script().cancelling();
      s.send("response.done", "response_id", "r1", "status", "cancelled");
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);

      Decision late = s.send("response.output_audio.delta", "response_id", "r1");
      assertThat(late.outcome()).isEqualTo(Outcome.STALE);
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
      assertThat(payload(late, EventType.SESSION_STALE_EVENT_IGNORED)).containsEntry("response_id", "r1")
          .containsEntry("event_type", "response.output_audio.delta").containsEntry("reason", "response_cancelled");

      // even in the next turn, THINKING, the old response cannot move it to SPEAKING
      s.send("input_audio_buffer.speech_stopped");
      s.send("response.created", "response_id", "r2");
      Decision again = s.send("response.output_audio.delta", "response_id", "r1");
      assertThat(again.outcome()).isEqualTo(Outcome.STALE);
      assertThat(s.state.phase()).isEqualTo(Phase.THINKING);
      assertThat(s.state.responseId()).isEqualTo("r2");
      assertThat(s.state.counter(Counter.STALE_EVENTS)).isEqualTo(2);
    }

    @Test
    void eventsOfADoneResponseAreStaleWithReasonDone() {
      Script s = new Script().speaking();
      s.send("response.done", "response_id", "r1", "status", "completed");
      Decision late = s.send("response.output_audio_transcript.done", "response_id", "r1", "transcript", "late");
      assertThat(late.outcome()).isEqualTo(Outcome.STALE);
      assertThat(payload(late, EventType.SESSION_STALE_EVENT_IGNORED)).containsEntry("reason", "response_done");
      assertThat(s.state.summary().render()).doesNotContain("late");
    }

    @Test
    void aLateCancelNotActiveDoesNotSendTheNextTurnToRecovery() {
      // the cancel went out for r1 after r1 had ended; upstream's answer arrives in the next turn
      Script s = new Script().speaking();
      s.send("response.done", "response_id", "r1", "status", "completed");
      s.send("input_audio_buffer.speech_stopped");
      assertThat(s.state.phase()).isEqualTo(Phase.THINKING);
      Decision late = s.send("error", "error_code", "response_cancel_not_active");
      assertThat(late.outcome()).isEqualTo(Outcome.APPLIED);
      assertThat(s.state.phase()).isEqualTo(Phase.THINKING);
      assertThat(s.state.counter(Counter.UPSTREAM_ERRORS)).isZero();
      // any other upstream error while thinking still does
      s.send("error", "error_code", "server_error");
      assertThat(s.state.phase()).isEqualTo(Phase.RECOVERING);
      assertThat(s.state.counter(Counter.UPSTREAM_ERRORS)).isEqualTo(1);
    }

    @Test
    void theCancelAcknowledgementOfTheInterruptedResponseIsNotStale() {
      Script s = new Script().cancelling();
      Decision ack = s.send("response.done", "response_id", "r1", "status", "cancelled");
      assertThat(ack.outcome()).isEqualTo(Outcome.APPLIED);
      assertThat(types(ack)).contains(EventType.SESSION_INTERRUPT_RECOVERED);
      // but a second one is
      assertThat(s.send("response.done", "response_id", "r1", "status", "cancelled").outcome())
          .isEqualTo(Outcome.STALE);
    }
  }

  @Nested
  class Ordering {
    @Test
    void aClientEventIsAppliedAtMostOnceBySequence() {
      Script s = new Script();
      EventSummary connected = s.client("client.connected");
      assertThat(s.machine.apply(s.state, new Input.Observed(connected, Input.Source.CLIENT)).outcome())
          .isEqualTo(Outcome.APPLIED);
      Decision again = s.machine.apply(s.state, new Input.Observed(connected, Input.Source.CLIENT));
      assertThat(again.outcome()).isEqualTo(Outcome.DUPLICATE);
      assertThat(again.events()).isEmpty();
      assertThat(s.state.counter(Counter.DUPLICATES)).isEqualTo(1);
      assertThat(s.state.lastAckSeq()).isEqualTo(1);
    }

    @Test
    void eventsPastAGapWaitAndApplyInSequenceOrderWhenItFills() {
      Script s = new Script().listening(); // seq 1
      EventSummary stopped = Script.summary("input_audio_buffer.speech_stopped", 2, Script.T0 + 100);
      EventSummary created = Script.summary("response.created", 3, Script.T0 + 200, "response_id", "r1");
      EventSummary audio = Script.summary("response.output_audio.delta", 4, Script.T0 + 300, "response_id", "r1");

      Decision d4 = s.machine.apply(s.state, new Input.Observed(audio, Input.Source.CLIENT));
      Decision d3 = s.machine.apply(s.state, new Input.Observed(created, Input.Source.CLIENT));
      assertThat(d4.outcome()).isEqualTo(Outcome.HELD);
      assertThat(d3.outcome()).isEqualTo(Outcome.HELD);
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
      assertThat(s.state.heldCount()).isEqualTo(2);

      Decision d2 = s.machine.apply(s.state, new Input.Observed(stopped, Input.Source.CLIENT));
      assertThat(d2.outcome()).isEqualTo(Outcome.APPLIED);
      assertThat(s.state.phase()).isEqualTo(Phase.SPEAKING);
      assertThat(s.state.lastAckSeq()).isEqualTo(4);
      assertThat(s.state.heldCount()).isZero();
      assertThat(d2.events().stream().filter(e -> e.type() == EventType.SESSION_PHASE_CHANGED)
          .map(e -> ((SessionPhaseChangedPayload) e.payload()).to())).containsExactly("THINKING", "SPEAKING");
      assertThat(s.state.orderBroken()).isNull();
      assertThat(s.state.lastUserAudioSeq()).isEqualTo(2);
    }

    @Test
    void aGapThatDoesNotFillWithinTheBoundBreaksOrderingAndAdvisesASessionRecovery() {
      Script s = new Script().listening();
      EventSummary ahead = Script.summary("input_audio_buffer.speech_stopped", 3, Script.T0 + 100);
      s.machine.apply(s.state, new Input.Observed(ahead, Input.Source.CLIENT));
      assertThat(s.state.heldCount()).isEqualTo(1);

      assertThat(s.machine.apply(s.state, new Input.Tick(Script.T0 + 1_000)).changedState()).isFalse();
      Decision broke = s.machine.apply(s.state, new Input.Tick(Script.T0 + 100 + 2_000));
      assertThat(broke.changedState()).isTrue();
      assertThat(s.state.orderBroken()).isEqualTo("sequence_gap");
      // what was held is applied past the gap, not dropped
      assertThat(s.state.phase()).isEqualTo(Phase.THINKING);
      assertThat(s.state.lastAckSeq()).isEqualTo(3);
      assertThat(Advice.of(s.state.phase(), s.state.orderBroken(), s.state.recoveryCause()))
          .isEqualTo(new Advice("event_order_broken", "session"));

      // the missing event arriving now is out of order: handled as such, never applied
      EventSummary missing = Script.summary("client.playback_stopped", 2, Script.T0 + 50, "played_ms", 1);
      assertThat(s.machine.apply(s.state, new Input.Observed(missing, Input.Source.CLIENT)).outcome())
          .isEqualTo(Outcome.DUPLICATE);

      // the session-class plan is the advice taken: the flag clears
      Decision plan = s.recover("event_order_broken", Script.T0 + 600_000);
      assertThat(((Map<?, ?>) plan.reply().get("plan")).get("class")).isEqualTo("session");
      assertThat(s.state.orderBroken()).isNull();
    }

    @Test
    void oneEventPastTheHeldCountDropsThemAllAndSendsTheSessionToRecovery() {
      MachineSettings small = new MachineSettings(8_000, 1_500, 2_000, 3, 2_000, 30_000, 1_800_000, 3_600_000);
      Script s = new Script(small).listening();
      Decision last = null;
      for (int seq = 3; seq <= 6; seq++) {
        last = s.machine.apply(s.state, new Input.Observed(
            Script.summary("client.network_changed", seq, Script.T0 + seq, "network", "wifi"), Input.Source.CLIENT));
      }
      assertThat(last.outcome()).isEqualTo(Outcome.DROPPED);
      assertThat(last.droppedEvents()).isEqualTo(4);
      assertThat(s.state.orderBroken()).isEqualTo("held_overflow");
      assertThat(s.state.phase()).isEqualTo(Phase.RECOVERING);
      assertThat(s.state.heldCount()).isZero();
      // nothing dropped was applied; the sequence resumes after the highest dropped one
      assertThat(s.state.counter(Counter.NETWORK_CHANGES)).isZero();
      assertThat(s.state.counter(Counter.HELD_DROPPED)).isEqualTo(4);
      assertThat(s.state.lastAckSeq()).isEqualTo(6);
      assertThat(Advice.of(s.state.phase(), s.state.orderBroken(), s.state.recoveryCause()))
          .isEqualTo(new Advice("event_order_broken", "session"));
      assertThat(s.machine.apply(s.state, new Input.Observed(
          Script.summary("client.network_changed", 2, Script.T0 + 7, "network", "wifi"), Input.Source.CLIENT))
          .outcome()).isEqualTo(Outcome.DUPLICATE);
      assertThat(s.machine.apply(s.state, new Input.Observed(
          Script.summary("client.network_changed", 7, Script.T0 + 8, "network", "wifi"), Input.Source.CLIENT))
          .outcome()).isEqualTo(Outcome.APPLIED);
    }

    @Test
    void anEventForAResponseThatNeverStartedBreaksOrdering() {
      Script s = new Script().listening();
      Decision d = s.send("response.output_audio.delta", "response_id", "r-unknown");
      assertThat(d.outcome()).isEqualTo(Outcome.REFUSED);
      assertThat(s.state.orderBroken()).isEqualTo("unknown_response");
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    }

    @Test
    void theClientsReportAndTheSidebandsCopyOfAnUpstreamEventApplyOnce() {
      Script s = new Script().listening();
      s.sideband("input_audio_buffer.speech_stopped", "event_id", "event_1");
      Decision viaClient = s.send("input_audio_buffer.speech_stopped", "event_id", "event_1");
      assertThat(viaClient.outcome()).isEqualTo(Outcome.DUPLICATE);
      assertThat(s.state.turn()).isEqualTo(1);
      // the client's sequence still moved: the next client event is not held
      assertThat(s.send("response.created", "response_id", "r1", "event_id", "event_2").outcome())
          .isEqualTo(Outcome.APPLIED);
      assertThat(s.sideband("response.created", "response_id", "r1", "event_id", "event_2").outcome())
          .isEqualTo(Outcome.DUPLICATE);
      // the sideband's response.done followed by the client's copy: applied once, not counted stale
      s.sideband("response.output_audio.delta", "response_id", "r1", "event_id", "event_3");
      s.sideband("response.done", "response_id", "r1", "status", "completed", "event_id", "event_4");
      assertThat(s.send("response.done", "response_id", "r1", "status", "completed", "event_id", "event_4").outcome())
          .isEqualTo(Outcome.DUPLICATE);
      assertThat(s.state.counter(Counter.STALE_EVENTS)).isZero();
    }
  }

  @Nested
  class Time {
    @Test
    void thinkingTimesOutOnEventTimeWhenTheClientGoesQuiet() {
      Script s = new Script().thinking();
      long deadline = s.state.thinkingDeadlineMs();
      assertThat(s.machine.nextDeadline(s.state)).isEqualTo(deadline);
      assertThat(s.machine.apply(s.state, new Input.Tick(deadline - 1)).changedState()).isFalse();
      Decision d = s.machine.apply(s.state, new Input.Tick(deadline));
      assertThat(s.state.phase()).isEqualTo(Phase.RECOVERING);
      assertThat(payload(d, EventType.SESSION_PHASE_CHANGED)).containsEntry("cause", "thinking_timeout");
      assertThat(s.state.recoveryCause()).isEqualTo("thinking_timeout");
      assertThat(Advice.of(s.state.phase(), null, s.state.recoveryCause()).reason()).isEqualTo("thinking_timeout");
      // the abandoned response's late audio is stale
      assertThat(s.send("response.output_audio.delta", "response_id", "r1").outcome()).isEqualTo(Outcome.STALE);
    }

    @Test
    void aResponseStartingRestartsTheWaitForItsFirstAudio() {
      Script s = new Script().listening();
      s.send("input_audio_buffer.speech_stopped");
      long first = s.state.thinkingDeadlineMs();
      s.now += 5_000;
      s.send("response.created", "response_id", "r1");
      assertThat(s.state.thinkingDeadlineMs()).isGreaterThan(first);
      assertThat(s.machine.apply(s.state, new Input.Tick(first + 1)).changedState()).isFalse();
      assertThat(s.state.phase()).isEqualTo(Phase.THINKING);
    }

    @Test
    void aLaterEventFiresTheDeadlineItPassesBeforeItIsApplied() {
      Script s = new Script().thinking();
      s.now += 20_000;
      // first audio 20 s later: the turn timed out at 8 s, so this audio is of an abandoned response
      Decision d = s.send("response.output_audio.delta", "response_id", "r1");
      assertThat(d.outcome()).isEqualTo(Outcome.STALE);
      assertThat(s.state.phase()).isEqualTo(Phase.RECOVERING);
      assertThat(s.state.counter(Counter.TIMEOUTS)).isEqualTo(1);
    }

    @Test
    void anUnacknowledgedCancelFailsTheInterruptAtTheDeadline() {
      Script s = new Script().cancelling();
      long deadline = s.state.interrupt().deadlineMs();
      Decision d = s.machine.apply(s.state, new Input.Tick(deadline));
      assertThat(s.state.phase()).isEqualTo(Phase.RECOVERING);
      assertThat(payload(d, EventType.SESSION_INTERRUPT_RECOVERY_FAILED)).containsEntry("interrupt_id", "int-1")
          .containsEntry("reason", "ack_timeout");
      assertThat(s.state.interrupt()).isNull();
      assertThat(s.state.counter(Counter.INTERRUPTS_FAILED)).isEqualTo(1);
    }

    @Test
    void hoursOfQuietEndTheSessionAndRetentionTombstonesIt() {
      MachineSettings settings = MachineSettings.defaults();
      Script s = new Script(settings).listening();
      Decision ended = s.tick(settings.idleTimeoutMs());
      assertThat(s.state.phase()).isEqualTo(Phase.ENDED);
      assertThat(payload(ended, EventType.SESSION_ENDED)).containsEntry("reason", "idle_timeout")
          .containsEntry("turns", 0);
      assertThat(ended.effects()).contains(new Decision.Effect.CloseSideband());
      assertThat(s.tick(settings.retentionMs() - 100).effects()).isEmpty();
      assertThat(s.tick(200).effects()).containsExactly(new Decision.Effect.Tombstone());
    }

    @Test
    void theInferenceSampleRunsFromSpeechStoppedToFirstAudioOnEventTime() {
      Script s = new Script().listening();
      s.send("input_audio_buffer.speech_stopped");
      long stoppedAt = s.now;
      s.send("response.created", "response_id", "r1");
      s.now += 730;
      Decision audio = s.send("response.output_audio.delta", "response_id", "r1");
      assertThat(audio.samples()).containsExactly(
          new Decision.LatencySample("inference", s.now - stoppedAt, 1, "web", s.now));
      // one sample per turn
      assertThat(s.send("response.output_audio.delta", "response_id", "r1").samples()).isEmpty();
    }
  }

  @Nested
  class Interrupts {
    @Test
    void anInterruptCancelsTheCurrentResponseAndTellsTheClientWhatToSend() {
      Script s = new Script().speaking();
      Decision d = s.interrupt("int-9", true);
      assertThat(s.state.phase()).isEqualTo(Phase.CANCELLING);
      assertThat(d.effects()).containsExactly(new Decision.Effect.CancelUpstream("int-9", "r1"));
      assertThat(payload(d, EventType.SESSION_INTERRUPTED)).containsEntry("interrupt_id", "int-9")
          .containsEntry("response_id", "r1").containsEntry("phase_before", "SPEAKING").containsEntry("audio_end_ms", 1200L);
      assertThat(d.reply()).containsEntry("outcome", "applied").containsEntry("response_id", "r1")
          .containsEntry("item_id", "i1").containsEntry("sideband_cancel", true).containsEntry("phase", "CANCELLING");
      assertThat(s.state.responseId()).isNull();

      // the same interrupt again (a client retry) is a duplicate, answered the same way
      Decision retry = s.machine.apply(s.state, new Input.InterruptRequest("int-9", s.now, 1200, null, null, true));
      assertThat(retry.outcome()).isEqualTo(Outcome.DUPLICATE);
      assertThat(retry.reply()).containsEntry("outcome", "duplicate").containsEntry("response_id", "r1");
      assertThat(retry.effects()).isEmpty();

      Decision ack = s.sideband("response.done", "response_id", "r1", "status", "cancelled");
      assertThat(payload(ack, EventType.SESSION_INTERRUPT_RECOVERED)).containsEntry("interrupt_id", "int-9")
          .containsEntry("duration_ms", 10L);
    }

    @Test
    void anInterruptBeforeUpstreamAnnouncedTheResponseCancelsItWhenItArrives() {
      Script s = new Script().listening();
      s.send("input_audio_buffer.speech_stopped");
      Decision d = s.interrupt("int-1", true);
      assertThat(d.effects()).containsExactly(new Decision.Effect.CancelUpstream("int-1", null));
      Decision created = s.sideband("response.created", "response_id", "r7");
      assertThat(created.effects()).containsExactly(new Decision.Effect.CancelUpstream("int-1", "r7"));
      assertThat(s.state.interrupt().responseId()).isEqualTo("r7");
      s.sideband("response.done", "response_id", "r7", "status", "cancelled");
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    }

    @Test
    void theClientsResponseIdIsUsedWhenTheServiceHasNotHeardOfItYet() {
      Script s = new Script().listening();
      s.send("input_audio_buffer.speech_stopped");
      Decision d = s.machine.apply(s.state, new Input.InterruptRequest("int-2", s.now + 5, 300, "r5", "i5", false));
      assertThat(d.reply()).containsEntry("response_id", "r5").containsEntry("item_id", "i5")
          .containsEntry("sideband_cancel", false);
      // its events are now stale
      assertThat(s.send("response.created", "response_id", "r5").outcome()).isEqualTo(Outcome.STALE);
    }

    @Test
    void aRefusedInterruptSaysThePhase() {
      Script s = new Script().listening();
      Decision d = s.interrupt("int-3");
      assertThat(d.outcome()).isEqualTo(Outcome.REFUSED);
      assertThat(d.reply()).containsEntry("outcome", "refused").containsEntry("phase", "LISTENING");
      assertThat(s.state.counter(Counter.INTERRUPTS)).isZero();
    }

    @Test
    void theInterruptFailsOnlyWhenNoPathCarriedTheCancel() {
      // sideband sent it: the client's failure alone is not fatal
      Script withSideband = new Script().speaking();
      withSideband.interrupt("int-1", true);
      withSideband.send("client.cancel_failed");
      assertThat(withSideband.state.phase()).isEqualTo(Phase.CANCELLING);
      // then the sideband's write fails too
      Decision both = withSideband.machine.apply(withSideband.state, new Input.SidebandCancelFailed("int-1",
          withSideband.now + 1));
      assertThat(withSideband.state.phase()).isEqualTo(Phase.RECOVERING);
      assertThat(payload(both, EventType.SESSION_INTERRUPT_RECOVERY_FAILED)).containsEntry("reason", "cancel_not_sent");

      // no sideband: the client's failure is the end of it
      Script clientOnly = new Script().speaking();
      clientOnly.interrupt("int-1", false);
      Decision d = clientOnly.send("client.cancel_failed");
      assertThat(clientOnly.state.phase()).isEqualTo(Phase.RECOVERING);
      assertThat(payload(d, EventType.SESSION_INTERRUPT_RECOVERY_FAILED)).containsEntry("reason", "cancel_not_sent");
    }

    @Test
    void aRecoveryOrAnEndClosesAnOpenInterruptWithAnOutcome() {
      Script s = new Script().cancelling();
      Decision d = s.recover("network_switch", Script.T0 + 600_000);
      assertThat(payload(d, EventType.SESSION_INTERRUPT_RECOVERY_FAILED)).containsEntry("reason", "recovery_requested");
      Script e = new Script().cancelling();
      Decision end = e.send("client.ended");
      assertThat(payload(end, EventType.SESSION_INTERRUPT_RECOVERY_FAILED)).containsEntry("reason", "session_ended");
    }
  }

  @Nested
  class Recovery {
    @Test
    void aTransportRecoveryKeepsTheTokenRestartsIceAndReplaysTheSummary() {
      Script s = new Script().listening();
      s.send("conversation.item.input_audio_transcription.completed", "transcript", "book a table");
      Decision d = s.recover("ice_failed", s.now + 120_000);
      assertThat(types(d)).containsExactly(EventType.SESSION_RECONNECT, EventType.SESSION_ICE_RESTART,
          EventType.SESSION_PHASE_CHANGED);
      assertThat(payload(d, EventType.SESSION_RECONNECT)).containsEntry("class", "transport")
          .containsEntry("reason", "ice_failed");
      Map<?, ?> plan = (Map<?, ?>) d.reply().get("plan");
      assertThat(plan.get("keep_token")).isEqualTo(true);
      assertThat(plan.get("rotate_first")).isEqualTo(false);
      Map<?, ?> summary = (Map<?, ?>) d.reply().get("summary");
      assertThat(summary.get("text")).isEqualTo("user: book a table");
      assertThat(s.state.counter(Counter.RECONNECTS_TRANSPORT)).isEqualTo(1);
      // the client rebuilt the peer
      s.send("client.reconnected", "reason", "ice_failed", "call_id", "rtc_2");
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    }

    @Test
    void aTransportPlanRotatesFirstWhenTheSecretIsAboutToExpire() {
      Script s = new Script().listening();
      Decision d = s.recover("network_switch", s.now + 20_000);
      Map<?, ?> plan = (Map<?, ?>) d.reply().get("plan");
      assertThat(plan.get("rotate_first")).isEqualTo(true);
      assertThat(plan.get("keep_token")).isEqualTo(true);
      assertThat(((Number) plan.get("secret_expires_in_ms")).longValue()).isBetween(19_000L, 20_000L);
    }

    @Test
    void aSessionRecoveryHasNoIceRestartAndAnUnknownReasonNoReplay() {
      Script s = new Script().listening();
      s.send("conversation.item.input_audio_transcription.completed", "transcript", "hello");
      Decision auth = s.recover("auth_failed", s.now + 120_000);
      assertThat(types(auth)).doesNotContain(EventType.SESSION_ICE_RESTART);
      assertThat(((Map<?, ?>) auth.reply().get("plan")).get("reissue_token")).isEqualTo(true);
      assertThat(((Map<?, ?>) auth.reply().get("summary")).get("text")).isEqualTo("user: hello");
      Decision other = s.recover("camera_unplugged", s.now + 120_000);
      assertThat(payload(other, EventType.SESSION_RECONNECT)).containsEntry("class", "session")
          .containsEntry("reason", "camera_unplugged");
      assertThat(((Map<?, ?>) other.reply().get("plan")).get("replay_summary")).isEqualTo(false);
      assertThat(((Map<?, ?>) other.reply().get("summary")).get("text")).isEqualTo("");
    }
  }

  @Test
  void theSummaryKeepsTheLastTurnsWithinItsBudget() {
    MachineSettings tight = new MachineSettings(8_000, 1_500, 2_000, 32, 120, 30_000, 1_800_000, 3_600_000);
    Script s = new Script(tight).listening();
    for (int turn = 1; turn <= 10; turn++) {
      s.send("input_audio_buffer.speech_stopped");
      s.send("conversation.item.input_audio_transcription.completed", "transcript", "question number " + turn);
      s.send("response.created", "response_id", "r" + turn);
      s.send("response.output_audio.delta", "response_id", "r" + turn);
      s.send("response.output_audio_transcript.done", "response_id", "r" + turn, "transcript", "answer " + turn);
      s.send("response.done", "response_id", "r" + turn, "status", "completed");
    }
    assertThat(s.state.summary().chars()).isLessThanOrEqualTo(120);
    assertThat(s.state.summary().render()).endsWith("user: question number 10\nassistant: answer 10")
        .doesNotContain("question number 1\n");
    assertThat(s.state.turn()).isEqualTo(10);
  }

  @Test
  void theSameInputsGiveTheSameStateAndEvents() {
    Script a = new Script().cancelling();
    Script b = new Script().cancelling();
    Decision da = a.send("response.done", "response_id", "r1", "status", "cancelled");
    Decision db = b.send("response.done", "response_id", "r1", "status", "cancelled");
    assertThat(a.state.toMap()).isEqualTo(b.state.toMap());
    assertThat(da.events()).isEqualTo(db.events());
  }

  @Test
  void aSnapshotRestoresExactly() {
    Script s = new Script().listening();
    s.send("conversation.item.input_audio_transcription.completed", "transcript", "hi there");
    s.sideband("input_audio_buffer.speech_stopped", "event_id", "event_a");
    s.send("response.created", "response_id", "r1", "event_id", "event_b");
    s.machine.apply(s.state, new Input.Observed(
        Script.summary("client.network_changed", 9, s.now + 1, "network", "cell"), Input.Source.CLIENT));
    s.interrupt("int-1", true);
    s.state.markCommand(2, 41);
    s.state.secretExpiresAt(Script.T0 + 90_000);
    s.state.bumpVersion();
    Map<String, Object> snapshot = s.state.toMap();
    SessionState restored = SessionState.fromMap(io.vertx.core.json.Json.CODEC.fromString(
        new io.vertx.core.json.JsonObject(snapshot).encode(), Map.class), 2_000);
    assertThat(new io.vertx.core.json.JsonObject(restored.toMap()).encode())
        .isEqualTo(new io.vertx.core.json.JsonObject(snapshot).encode());
    // and it behaves the same: the held event, the dedupe ids, the interrupt all survived
    assertThat(restored.heldCount()).isEqualTo(1);
    assertThat(restored.alreadyApplied(2, 41)).isTrue();
    assertThat(restored.alreadyApplied(2, 42)).isFalse();
    Decision dup = s.machine.apply(restored, new Input.Observed(
        Script.summary("response.created", 0, s.now + 2, "response_id", "r1", "event_id", "event_b"),
        Input.Source.SIDEBAND));
    assertThat(dup.outcome()).isEqualTo(Outcome.DUPLICATE);
  }
}
