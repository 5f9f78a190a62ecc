package dev.rtvoice.sessions.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.payload.SessionEventCodecs;
import dev.rtvoice.sessions.domain.Decision.Effect;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The upstream call's life in the machine: its age and the hand-over advice at a quiet moment, the
 * rollover plan (planned, completed, failed), upstream's {@code session_expired}, the budgets and the
 * client's liveness. Plain Java, no clock but the inputs' times.
 */
class CallsTest {
  private static final long MIN = 60_000;
  private static final CallLimits LIMITS = CallLimits.DEFAULTS;
  /** The defaults, but a day's idle timeout: these sessions stay quiet for an hour and more. */
  private static final MachineSettings SETTINGS =
      new MachineSettings(8_000, 1_500, 2_000, 32, 2_000, 30_000, 24 * 3_600_000L, 3_600_000L);

  private static Script connected(String callId) {
    Script s = new Script(SETTINGS);
    s.send("client.connected", "call_id", callId);
    s.state.clientHeard(s.now);
    return s;
  }

  private static List<EventType> types(Decision d) {
    return d.events().stream().map(Decision.Emitted::type).toList();
  }

  private static Map<String, Object> payload(Decision d, EventType type) {
    return SessionEventCodecs.encode(d.events().stream().filter(e -> e.type() == type).findFirst().orElseThrow()
        .payload()).getMap();
  }

  @Nested
  class CallAge {
    @Test
    void theCallsStartIsWhenTheClientFirstReportedIt() {
      Script s = connected("c1");
      assertThat(s.state.callId()).isEqualTo("c1");
      assertThat(s.state.callStartedAtMs()).isEqualTo(s.now);
      assertThat(s.state.toMap()).containsEntry("call_age_ms", 0L);
      s.tick(MIN);  // nothing due: the clock stays, the age in the snapshot with it
      s.send("client.playback_stopped", "played_ms", 10);
      assertThat((long) s.state.toMap().get("call_age_ms")).isGreaterThanOrEqualTo(MIN);
    }

    @Test
    void atRolloverAfterTheHandOverIsAdvisedOnlyAtAQuietMoment() {
      Script s = connected("c1");
      long start = s.state.callStartedAtMs();
      s.tick(LIMITS.rolloverAfterMs() - 100);
      assertThat(s.state.rolloverDue()).isFalse();
      assertThat(Advice.of(s.state)).isNull();
      Decision d = s.tick(200);
      assertThat(d.changedState()).isTrue();
      assertThat(s.state.rolloverDue()).isTrue();
      assertThat(s.state.eventTimeMs()).isEqualTo(start + LIMITS.rolloverAfterMs());
      assertThat(Advice.of(s.state)).isEqualTo(new Advice("rollover", "call_age", "rollover"));
      assertThat(Advice.ofSnapshot(s.state.toMap())).isEqualTo(Advice.of(s.state));

      // the user starts speaking: not a turn boundary, no advice until the speech is over
      s.send("input_audio_buffer.speech_started");
      assertThat(Advice.of(s.state)).isNull();
      assertThat(Advice.ofSnapshot(s.state.toMap())).isNull();
      s.send("input_audio_buffer.speech_stopped");
      assertThat(s.state.phase()).isEqualTo(Phase.THINKING);
      assertThat(Advice.of(s.state)).isNull();
      s.send("response.created", "response_id", "r1");
      s.send("response.output_audio.delta", "response_id", "r1");
      assertThat(Advice.of(s.state)).as("speaking").isNull();
      s.send("response.done", "response_id", "r1", "status", "completed");
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
      assertThat(Advice.of(s.state)).isEqualTo(new Advice("rollover", "call_age", "rollover"));
    }

    @Test
    void aSessionWithoutACallHasNoAgeAndNoAdvice() {
      Script s = new Script(SETTINGS);
      s.send("client.connected");
      s.tick(LIMITS.rolloverAfterMs() + MIN);
      assertThat(s.state.rolloverDue()).isFalse();
      assertThat(Advice.of(s.state)).isNull();
    }
  }

  @Nested
  class PlannedRollover {
    @Test
    void planThenCompleteHangsUpTheOldCallOnce() {
      Script s = connected("c1");
      s.tick(LIMITS.rolloverAfterMs());
      Decision plan = s.recover("rollover", Script.T0 + 3_600_000);
      assertThat(s.state.phase()).as("the old call keeps playing").isEqualTo(Phase.LISTENING);
      assertThat(types(plan)).containsExactly(EventType.SESSION_RECONNECT, EventType.SESSION_ROLLOVER);
      assertThat(payload(plan, EventType.SESSION_ROLLOVER)).containsEntry("outcome", "planned")
          .containsEntry("reason", "call_age").containsEntry("call_id", "c1");
      @SuppressWarnings("unchecked")
      Map<String, Object> p = (Map<String, Object>) plan.reply().get("plan");
      assertThat(p).containsEntry("class", "rollover").containsEntry("fresh_secret", true)
          .containsEntry("new_upstream_session", true).containsEntry("replay_summary", true)
          .containsEntry("keep_token", true).containsEntry("reissue_token", false)
          .containsEntry("switch_at", "turn_boundary").containsEntry("ice_restart", false);
      assertThat(s.state.rollover().reason()).isEqualTo("call_age");
      assertThat(s.state.rollover().deadlineMs()).isEqualTo(s.now + LIMITS.rolloverDeadlineMs());
      assertThat(Advice.of(s.state)).as("planned: nothing more to advise").isNull();

      // asked again (the library retrying): the same plan, no second planned event
      Decision again = s.recover("rollover", Script.T0 + 3_600_000);
      assertThat(types(again)).containsExactly(EventType.SESSION_RECONNECT);

      Decision done = s.send("client.reconnected", "reason", "rollover", "call_id", "c2", "gap_ms", 140);
      assertThat(types(done)).containsExactly(EventType.SESSION_ROLLOVER, EventType.SESSION_CALL_HUNG_UP);
      assertThat(payload(done, EventType.SESSION_ROLLOVER)).containsEntry("outcome", "completed")
          .containsEntry("old_call_id", "c1").containsEntry("new_call_id", "c2").containsEntry("gap_ms", 140L)
          .containsEntry("rollovers", 1);
      assertThat(payload(done, EventType.SESSION_CALL_HUNG_UP)).containsEntry("call_id", "c1")
          .containsEntry("reason", "rollover_old_call");
      assertThat(done.effects()).containsExactly(new Effect.ConnectSideband("c2"),
          new Effect.HangUp("c1", "rollover_old_call"));
      assertThat(s.state.callId()).isEqualTo("c2");
      assertThat(s.state.callStartedAtMs()).isEqualTo(s.now);
      assertThat(s.state.rollovers()).isEqualTo(1);
      assertThat(s.state.rollover()).isNull();
      assertThat(s.state.rolloverDue()).isFalse();
      assertThat(Advice.of(s.state)).isNull();
      // the deadline of a completed hand-over never fires
      assertThat(types(s.tick(LIMITS.rolloverDeadlineMs() + 1))).isEmpty();
    }

    @Test
    void noCompletionBeforeTheDeadlineFailsIt() {
      Script s = connected("c1");
      s.tick(LIMITS.rolloverAfterMs());
      s.recover("rollover", Script.T0 + 3_600_000);
      long deadline = s.state.rollover().deadlineMs();
      assertThat(types(s.tick(LIMITS.rolloverDeadlineMs() - 100))).isEmpty();
      Decision d = s.tick(200);
      assertThat(payload(d, EventType.SESSION_ROLLOVER)).containsEntry("outcome", "failed")
          .containsEntry("reason", "deadline");
      assertThat(s.state.eventTimeMs()).isEqualTo(deadline);
      assertThat(s.state.rollover()).isNull();
      assertThat(s.state.callId()).isEqualTo("c1");
      // the call is still old: the advice comes back, the client may try again
      assertThat(Advice.of(s.state)).isEqualTo(new Advice("rollover", "call_age", "rollover"));
    }

    @Test
    void theClientGivingUpFailsIt() {
      Script s = connected("c1");
      Decision refused = s.send("client.rollover_failed", "reason", "peer_failed");
      assertThat(refused.outcome()).as("nothing planned").isEqualTo(Decision.Outcome.REFUSED);
      s.recover("rollover", Script.T0 + 3_600_000);
      assertThat(s.state.rollover().reason()).as("asked before the call's age").isEqualTo("requested");
      Decision d = s.send("client.rollover_failed", "reason", "peer_failed");
      assertThat(payload(d, EventType.SESSION_ROLLOVER)).containsEntry("outcome", "failed")
          .containsEntry("reason", "peer_failed");
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    }

    @Test
    void tenHandOversKeepTheSummaryWithinItsBound() {
      Script s = connected("c0");
      int max = s.state.summary().maxChars();
      String words = "a long sentence the user keeps saying to fill the summary ".repeat(20);
      for (int h = 1; h <= 10; h++) {
        for (int turn = 0; turn < 6; turn++) {
          s.send("input_audio_buffer.speech_stopped");
          s.send("conversation.item.input_audio_transcription.completed", "transcript", words);
          String r = "r" + h + "_" + turn;
          s.send("response.created", "response_id", r);
          s.send("response.output_audio_transcript.done", "response_id", r, "transcript", words);
          s.send("response.done", "response_id", r, "status", "completed");
        }
        Decision plan = s.recover("rollover", Script.T0 + 3_600_000);
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = (Map<String, Object>) plan.reply().get("summary");
        assertThat((int) summary.get("chars")).as("hand-over " + h).isLessThanOrEqualTo(max);
        assertThat(((String) summary.get("text")).length()).isLessThanOrEqualTo(max);
        assertThat(JsonSize.ofValue(summary)).isLessThanOrEqualTo(StateBudget.SNAPSHOT_MAX_BYTES);
        s.send("client.reconnected", "reason", "rollover", "call_id", "c" + h, "gap_ms", 100);
      }
      assertThat(s.state.rollovers()).isEqualTo(10);
      assertThat(s.state.summary().chars()).isLessThanOrEqualTo(max);
      assertThat(JsonSize.ofValue(s.state.toMap())).isLessThan(StateBudget.SNAPSHOT_MAX_BYTES);
    }
  }

  @Nested
  class SessionExpired {
    @Test
    void upstreamsCapGivesTheRolloverPlanAtOnce() {
      Script s = connected("c1");
      s.speaking();
      s.interrupt("int-1");
      Decision d = s.sideband("error", "error_code", "session_expired", "event_id", "ev_x",
          "error_message", "Your session hit the maximum duration of 60 minutes.");
      assertThat(s.state.phase()).isEqualTo(Phase.RECOVERING);
      assertThat(s.state.callGone()).isTrue();
      assertThat(s.state.counter(Counter.UPSTREAM_ERRORS)).as("the cap is not an upstream fault").isZero();
      assertThat(types(d)).contains(EventType.SESSION_INTERRUPT_RECOVERY_FAILED, EventType.SESSION_PHASE_CHANGED);
      assertThat(d.effects()).containsExactly(new Effect.CloseSideband());
      assertThat(Advice.of(s.state)).isEqualTo(new Advice("rollover", "session_expired", "rollover"));
      assertThat(Advice.ofSnapshot(s.state.toMap())).isEqualTo(Advice.of(s.state));
      // the client's copy of the same error changes nothing more
      Decision copy = s.send("error", "error_code", "session_expired", "event_id", "ev_x");
      assertThat(copy.outcome()).isEqualTo(Decision.Outcome.DUPLICATE);
      assertThat(s.machine.livenessDueWallMs(s.state)).as("no call to hang up").isEqualTo(Long.MAX_VALUE);

      Decision plan = s.recover("session_expired", Script.T0 + 3_600_000);
      assertThat(payload(plan, EventType.SESSION_ROLLOVER)).containsEntry("reason", "session_expired");
      assertThat(Advice.of(s.state)).isNull();
      Decision done = s.send("client.reconnected", "reason", "rollover", "call_id", "c2", "gap_ms", 900);
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
      assertThat(types(done)).as("the old call is gone: nothing to hang up")
          .doesNotContain(EventType.SESSION_CALL_HUNG_UP).contains(EventType.SESSION_ROLLOVER);
      assertThat(done.effects()).containsExactly(new Effect.ConnectSideband("c2"));
      assertThat(s.state.callGone()).isFalse();
    }
  }

  @Nested
  class Budgets {
    @Test
    void theSessionsDurationBudgetEndsItAndHangsUpOnce() {
      Script s = connected("c1");
      long started = s.state.startedAtMs;
      s.tick(LIMITS.maxSessionDurationMs() - 1_000);
      // hand-overs do not reset the session's duration
      s.send("client.reconnected", "reason", "rollover", "call_id", "c2");
      s.tick(500);
      Decision d = s.tick(LIMITS.maxSessionDurationMs());
      assertThat(s.state.phase()).isEqualTo(Phase.ENDED);
      assertThat(s.state.endedAtMs()).isEqualTo(started + LIMITS.maxSessionDurationMs());
      assertThat(s.state.toMap()).containsEntry("end_reason", "budget_exceeded");
      assertThat(payload(d, EventType.SESSION_BUDGET_EXCEEDED)).containsEntry("scope", "user")
          .containsEntry("limit", "duration").containsEntry("value", LIMITS.maxSessionDurationMs())
          .containsEntry("max", LIMITS.maxSessionDurationMs());
      assertThat(payload(d, EventType.SESSION_CALL_HUNG_UP)).containsEntry("call_id", "c2")
          .containsEntry("reason", "budget_exceeded");
      assertThat(payload(d, EventType.SESSION_ENDED)).containsEntry("reason", "budget_exceeded");
      assertThat(d.effects()).contains(new Effect.HangUp("c2", "budget_exceeded"), new Effect.CloseSideband());
      assertThat(types(s.tick(MIN))).isEmpty();
    }

    @Test
    void overConcurrencyEndsTheSessionOnceAndAnEndedOneNotAgain() {
      Script s = connected("c1");
      Decision d = s.machine.apply(s.state, new Input.BudgetExceeded("tenant", "concurrency", 101, 100, s.now + 5));
      assertThat(types(d)).containsExactly(EventType.SESSION_BUDGET_EXCEEDED, EventType.SESSION_CALL_HUNG_UP,
          EventType.SESSION_PHASE_CHANGED, EventType.SESSION_ENDED);
      assertThat(payload(d, EventType.SESSION_BUDGET_EXCEEDED)).containsEntry("scope", "tenant")
          .containsEntry("limit", "concurrency").containsEntry("value", 101L).containsEntry("max", 100L);
      Decision again = s.machine.apply(s.state, new Input.BudgetExceeded("user", "concurrency", 5, 4, s.now + 9));
      assertThat(again.events()).isEmpty();
      assertThat(again.changedState()).isFalse();
    }
  }

  @Nested
  class Liveness {
    @Test
    void aHeartbeatIsCheapAndKeepsTheSessionAlive() {
      Script s = connected("c1");
      Decision hb = s.send("client.heartbeat");
      assertThat(hb.outcome()).isEqualTo(Decision.Outcome.APPLIED);
      assertThat(hb.events()).isEmpty();
      assertThat(hb.effects()).isEmpty();
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    }

    @Test
    void noClientRequestForTheGraceHangsUpAndEndsAbandoned() {
      Script s = connected("c1");
      long heard = s.state.clientHeardAtMs();
      long due = s.machine.livenessDueWallMs(s.state);
      assertThat(due).isEqualTo(heard + LIMITS.livenessGraceMs());
      // a later request moves it on
      s.state.clientHeard(heard + 10_000);
      assertThat(s.machine.livenessDueWallMs(s.state)).isEqualTo(due + 10_000);
      s.state.clientHeard(heard);  // an older one does not move it back
      assertThat(s.machine.livenessDueWallMs(s.state)).isEqualTo(due + 10_000);

      Decision early = s.machine.apply(s.state, new Input.Tick(s.now + 100, due + 9_999));
      assertThat(early.changedState()).isFalse();
      Decision d = s.machine.apply(s.state, new Input.Tick(s.now + 100, due + 10_000));
      assertThat(s.state.phase()).isEqualTo(Phase.ENDED);
      assertThat(types(d)).containsExactly(EventType.SESSION_CALL_HUNG_UP, EventType.SESSION_PHASE_CHANGED,
          EventType.SESSION_ENDED);
      assertThat(payload(d, EventType.SESSION_CALL_HUNG_UP)).containsEntry("call_id", "c1")
          .containsEntry("reason", "abandoned");
      assertThat(payload(d, EventType.SESSION_ENDED)).containsEntry("reason", "abandoned");
      assertThat(d.effects()).containsExactly(new Effect.HangUp("c1", "abandoned"), new Effect.CloseSideband());
      assertThat(s.machine.livenessDueWallMs(s.state)).isEqualTo(Long.MAX_VALUE);
      // replayed, the same tick finds nothing more to do
      assertThat(s.machine.apply(s.state, new Input.Tick(s.now + 100, due + 10_000)).events()).isEmpty();
    }

    @Test
    void withoutALiveCallNobodyIsHungUp() {
      Script s = new Script();
      s.send("client.connected");
      s.state.clientHeard(s.now);
      assertThat(s.machine.livenessDueWallMs(s.state)).isEqualTo(Long.MAX_VALUE);
      Decision d = s.machine.apply(s.state, new Input.Tick(s.now + 100, s.now + 10 * MIN));
      assertThat(d.changedState()).isFalse();
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
    }
  }

  /** Calls token-service created for the session ({@code session.call_created}), reported or not. */
  @Nested
  class CreatedCalls {
    private Decision created(Script s, String callId, long wallMs) {
      return s.machine.apply(s.state, new Input.CallCreated(callId, wallMs, wallMs));
    }

    @Test
    void aSessionWithoutACallTakesItSoASilentClientIsHungUpAbandoned() {
      Script s = new Script(SETTINGS);
      long at = s.now + 5;
      s.state.clientHeard(at);  // the owner records the request to token-service
      Decision d = created(s, "rtc_1", at);
      assertThat(d.outcome()).isEqualTo(Decision.Outcome.APPLIED);
      assertThat(s.state.callId()).isEqualTo("rtc_1");
      assertThat(s.state.liveCall()).isTrue();
      assertThat(s.state.callStartedAtMs()).isEqualTo(at);
      assertThat(d.effects()).containsExactly(new Effect.ConnectSideband("rtc_1"));
      assertThat(d.events()).as("no hang-up, no hand-over").isEmpty();
      assertThat(s.state.phase()).as("the client has not connected yet").isEqualTo(Phase.IDLE);

      long due = s.machine.livenessDueWallMs(s.state);
      assertThat(due).isEqualTo(at + LIMITS.livenessGraceMs());
      Decision gone = s.machine.apply(s.state, new Input.Tick(s.now, due));
      assertThat(s.state.phase()).isEqualTo(Phase.ENDED);
      assertThat(s.state.endReason).isEqualTo("abandoned");
      assertThat(gone.effects()).contains(new Effect.HangUp("rtc_1", "abandoned"));
    }

    @Test
    void theClientsLaterReportOfTheSameCallChangesNothingButThePhase() {
      Script s = new Script(SETTINGS);
      created(s, "rtc_1", s.now);
      Decision d = s.send("client.connected", "call_id", "rtc_1");
      assertThat(s.state.callId()).isEqualTo("rtc_1");
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
      assertThat(d.effects()).as("no second sideband, no hang-up").isEmpty();
      assertThat(types(d)).containsExactly(EventType.SESSION_PHASE_CHANGED);
    }

    @Test
    void aCallTheSessionKnowsAlreadyIsANoOpSoAForwardedTwiceCommandIsHarmless() {
      Script s = connected("rtc_1");
      Map<String, Object> before = s.state.toMap();
      Decision d = created(s, "rtc_1", s.now + 1);
      assertThat(d.changedState()).isFalse();
      assertThat(s.state.toMap()).isEqualTo(before);
      // the call before the current one, forwarded late (the client moved on meanwhile): nothing
      s.send("client.reconnected", "reason", "network_switch", "call_id", "rtc_2");
      Map<String, Object> after = s.state.toMap();
      assertThat(created(s, "rtc_1", s.now + 1).changedState()).isFalse();
      assertThat(s.state.toMap()).isEqualTo(after);
      assertThat(s.state.callId()).isEqualTo("rtc_2");
    }

    @Test
    void withAnotherLiveCallItIsPendingAndTheClientsReportCompletesTheHandOver() {
      Script s = connected("rtc_1");
      s.tick(LIMITS.rolloverAfterMs());
      s.recover("rollover", Script.T0 + 3_600_000);
      Decision d = created(s, "rtc_2", s.now + 5);
      assertThat(s.state.callId()).as("the old call plays on").isEqualTo("rtc_1");
      assertThat(s.state.pendingCallId()).isEqualTo("rtc_2");
      assertThat(d.effects()).isEmpty();
      assertThat(d.events()).isEmpty();
      assertThat(s.state.toMap()).containsEntry("pending_call_id", "rtc_2");
      assertThat(SessionState.fromMap(s.state.toMap(), s.state.summary().maxChars()).toMap())
          .isEqualTo(s.state.toMap());

      Decision done = s.send("client.reconnected", "reason", "rollover", "call_id", "rtc_2", "gap_ms", 90);
      assertThat(s.state.callId()).isEqualTo("rtc_2");
      assertThat(s.state.pendingCallId()).isNull();
      assertThat(types(done)).containsExactly(EventType.SESSION_ROLLOVER, EventType.SESSION_CALL_HUNG_UP);
      assertThat(done.effects()).contains(new Effect.HangUp("rtc_1", "rollover_old_call"));
    }

    @Test
    void aPendingCallNeverReportedIsHungUpUnclaimedAndTheSessionGoesOn() {
      Script s = connected("rtc_1");
      long createdAt = s.state.clientHeardAtMs() + 1_000;
      created(s, "rtc_2", createdAt);
      s.state.clientHeard(createdAt + 30_000);  // the client keeps talking on its first call
      long due = createdAt + LIMITS.livenessGraceMs();
      assertThat(s.machine.livenessDueWallMs(s.state)).as("the pending call's deadline comes first").isEqualTo(due);

      assertThat(s.machine.apply(s.state, new Input.Tick(s.now, due - 1)).changedState()).isFalse();
      Decision d = s.machine.apply(s.state, new Input.Tick(s.now, due));
      assertThat(types(d)).containsExactly(EventType.SESSION_CALL_HUNG_UP);
      assertThat(payload(d, EventType.SESSION_CALL_HUNG_UP)).containsEntry("call_id", "rtc_2")
          .containsEntry("reason", "unclaimed");
      assertThat(d.effects()).containsExactly(new Effect.HangUp("rtc_2", "unclaimed"));
      assertThat(s.state.pendingCallId()).isNull();
      assertThat(s.state.phase()).isEqualTo(Phase.LISTENING);
      assertThat(s.state.callId()).isEqualTo("rtc_1");
      assertThat(s.machine.livenessDueWallMs(s.state)).isEqualTo(createdAt + 30_000 + LIMITS.livenessGraceMs());
    }

    @Test
    void aNewerCreatedCallReplacesThePendingOneWhichIsHungUp() {
      Script s = connected("rtc_1");
      created(s, "rtc_2", s.now + 1);
      Decision d = created(s, "rtc_3", s.now + 2);
      assertThat(d.effects()).containsExactly(new Effect.HangUp("rtc_2", "unclaimed"));
      assertThat(s.state.pendingCallId()).isEqualTo("rtc_3");
      assertThat(s.state.callId()).isEqualTo("rtc_1");
    }

    @Test
    void whenTheSessionEndsThePendingCallIsHungUpToo() {
      Script s = connected("rtc_1");
      created(s, "rtc_2", s.now + 1);
      Decision d = s.send("client.ended");
      assertThat(s.state.phase()).isEqualTo(Phase.ENDED);
      assertThat(d.effects()).contains(new Effect.HangUp("rtc_2", "unclaimed"));
      assertThat(s.state.pendingCallId()).isNull();
    }

    @Test
    void aCallCreatedForAnEndedSessionIsHungUpAtOnce() {
      Script s = connected("rtc_1");
      s.send("client.ended");
      Map<String, Object> before = s.state.toMap();
      Decision d = created(s, "rtc_9", s.now + 1);
      assertThat(d.effects()).containsExactly(new Effect.HangUp("rtc_9", "unclaimed"));
      assertThat(types(d)).containsExactly(EventType.SESSION_CALL_HUNG_UP);
      assertThat(s.state.toMap()).as("the ended session stays as it was").isEqualTo(before);
    }
  }

  @Test
  void theNewFieldsSurviveASnapshotRoundTrip() {
    Script s = connected("c1");
    s.state.tenant("acme");
    s.tick(LIMITS.rolloverAfterMs());
    s.send("input_audio_buffer.speech_started");
    s.recover("rollover", Script.T0 + 3_600_000);
    Map<String, Object> m = s.state.toMap();
    assertThat(m).containsEntry("tenant_id", "acme").containsEntry("rollover_due", true)
        .containsEntry("user_speaking", true).containsKey("rollover");
    assertThat(SessionState.fromMap(m, s.state.summary().maxChars()).toMap()).isEqualTo(m);
    assertThat(s.state.copy().toMap()).isEqualTo(m);
  }
}
