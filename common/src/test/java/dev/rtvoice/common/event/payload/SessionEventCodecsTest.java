package dev.rtvoice.common.event.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Each {@code realtime.session.events} payload round-trips through a real envelope, encodes to the
 * bytes session-service writes today (its field order, nulls written out), and a malformed one is
 * refused naming its field.
 */
class SessionEventCodecsTest {

  private static JsonObject roundTrip(EventType type, JsonObject payload) {
    EventEnvelope event = EventEnvelope.create(type, "sess-1", Instant.ofEpochMilli(1_000),
        Instant.ofEpochMilli(1_000), "session-service", payload);
    return EventCodec.decode(EventCodec.encode(event)).payloadView();
  }

  @Test
  void startedAndEnded() {
    SessionStartedPayload started = new SessionStartedPayload("u-1", "d-1");
    JsonObject json = SessionEventCodecs.encode(started);
    assertThat(json.encode()).isEqualTo("{\"user_id\":\"u-1\",\"device_id\":\"d-1\"}");
    assertThat(SessionEventCodecs.decodeStarted(roundTrip(EventType.SESSION_STARTED, json))).isEqualTo(started);
    SessionStartedPayload noDevice = new SessionStartedPayload("u-1", null);
    assertThat(SessionEventCodecs.encode(noDevice).encode()).isEqualTo("{\"user_id\":\"u-1\",\"device_id\":null}");
    assertThat(SessionEventCodecs.decodeStarted(roundTrip(EventType.SESSION_STARTED,
        SessionEventCodecs.encode(noDevice)))).isEqualTo(noDevice);
    assertField(SessionEventCodecs::decodeStarted, without(json, "user_id"), "payload.user_id");
    assertField(SessionEventCodecs::decodeStarted, json.copy().put("device_id", 3), "payload.device_id");

    SessionEndedPayload ended = new SessionEndedPayload("idle_timeout", 7);
    JsonObject endedJson = SessionEventCodecs.encode(ended);
    assertThat(endedJson.encode()).isEqualTo("{\"reason\":\"idle_timeout\",\"turns\":7}");
    assertThat(SessionEventCodecs.decodeEnded(roundTrip(EventType.SESSION_ENDED, endedJson))).isEqualTo(ended);
    assertField(SessionEventCodecs::decodeEnded, endedJson.copy().put("turns", 1L << 40), "payload.turns");
    assertField(SessionEventCodecs::decodeEnded, endedJson.copy().put("reason", ""), "payload.reason");
  }

  @Test
  void phaseChanged() {
    SessionPhaseChangedPayload p = new SessionPhaseChangedPayload("LISTENING", "THINKING", "client.speech_stopped", 3);
    JsonObject json = SessionEventCodecs.encode(p);
    assertThat(json.encode()).isEqualTo(
        "{\"from\":\"LISTENING\",\"to\":\"THINKING\",\"cause\":\"client.speech_stopped\",\"turn\":3}");
    assertThat(SessionEventCodecs.decodePhaseChanged(roundTrip(EventType.SESSION_PHASE_CHANGED, json))).isEqualTo(p);
    assertField(SessionEventCodecs::decodePhaseChanged, json.copy().put("turn", "3"), "payload.turn");
    assertField(SessionEventCodecs::decodePhaseChanged, json.copy().putNull("to"), "payload.to");
  }

  @Test
  void interruptLifecycle() {
    SessionInterruptedPayload interrupted = new SessionInterruptedPayload("int_1", "resp_1", "SPEAKING", 1_240, 1_300L,
        1_240L);
    JsonObject json = SessionEventCodecs.encode(interrupted);
    assertThat(json.fieldNames()).containsExactly("interrupt_id", "response_id", "phase_before", "audio_end_ms",
        "delivered_audio_ms", "truncate_audio_end_ms");
    assertThat(SessionEventCodecs.decodeInterrupted(roundTrip(EventType.SESSION_INTERRUPTED, json)))
        .isEqualTo(interrupted);
    SessionInterruptedPayload unmeasured = new SessionInterruptedPayload("int_2", null, "THINKING", 0, null, null);
    JsonObject bare = SessionEventCodecs.encode(unmeasured);
    assertThat(bare.encode()).isEqualTo("{\"interrupt_id\":\"int_2\",\"response_id\":null,\"phase_before\":"
        + "\"THINKING\",\"audio_end_ms\":0,\"delivered_audio_ms\":null,\"truncate_audio_end_ms\":null}");
    assertThat(SessionEventCodecs.decodeInterrupted(roundTrip(EventType.SESSION_INTERRUPTED, bare)))
        .isEqualTo(unmeasured);
    assertField(SessionEventCodecs::decodeInterrupted, json.copy().put("audio_end_ms", 1.5), "payload.audio_end_ms");
    assertField(SessionEventCodecs::decodeInterrupted, json.copy().put("delivered_audio_ms", "1"),
        "payload.delivered_audio_ms");

    SessionInterruptRecoveredPayload recovered = new SessionInterruptRecoveredPayload("int_1", 180);
    JsonObject rec = SessionEventCodecs.encode(recovered);
    assertThat(rec.encode()).isEqualTo("{\"interrupt_id\":\"int_1\",\"duration_ms\":180}");
    assertThat(SessionEventCodecs.decodeInterruptRecovered(roundTrip(EventType.SESSION_INTERRUPT_RECOVERED, rec)))
        .isEqualTo(recovered);
    assertField(SessionEventCodecs::decodeInterruptRecovered, without(rec, "duration_ms"), "payload.duration_ms");

    SessionInterruptRecoveryFailedPayload failed = new SessionInterruptRecoveryFailedPayload("int_1", "ack_timeout");
    JsonObject fail = SessionEventCodecs.encode(failed);
    assertThat(fail.encode()).isEqualTo("{\"interrupt_id\":\"int_1\",\"reason\":\"ack_timeout\"}");
    assertThat(SessionEventCodecs.decodeInterruptRecoveryFailed(
        roundTrip(EventType.SESSION_INTERRUPT_RECOVERY_FAILED, fail))).isEqualTo(failed);
    assertField(SessionEventCodecs::decodeInterruptRecoveryFailed, fail.copy().put("interrupt_id", 1),
        "payload.interrupt_id");
  }

  @Test
  void recoveryAndIce() {
    SessionReconnectPayload reconnect = new SessionReconnectPayload("transport", "network_switch");
    JsonObject json = SessionEventCodecs.encode(reconnect);
    assertThat(json.encode()).isEqualTo("{\"class\":\"transport\",\"reason\":\"network_switch\"}");
    assertThat(SessionEventCodecs.decodeReconnect(roundTrip(EventType.SESSION_RECONNECT, json))).isEqualTo(reconnect);
    assertField(SessionEventCodecs::decodeReconnect, without(json, "class"), "payload.class");

    SessionIceRestartPayload restart = new SessionIceRestartPayload("ice_failed");
    JsonObject r = SessionEventCodecs.encode(restart);
    assertThat(r.encode()).isEqualTo("{\"reason\":\"ice_failed\"}");
    assertThat(SessionEventCodecs.decodeIceRestart(roundTrip(EventType.SESSION_ICE_RESTART, r))).isEqualTo(restart);
    assertField(SessionEventCodecs::decodeIceRestart, new JsonObject().put("reason", true), "payload.reason");

    SessionIceFailedPayload iceFailed = new SessionIceFailedPayload("failed");
    JsonObject f = SessionEventCodecs.encode(iceFailed);
    assertThat(f.encode()).isEqualTo("{\"ice_state\":\"failed\"}");
    assertThat(SessionEventCodecs.decodeIceFailed(roundTrip(EventType.SESSION_ICE_FAILED, f))).isEqualTo(iceFailed);
    assertField(SessionEventCodecs::decodeIceFailed, new JsonObject(), "payload.ice_state");
  }

  @Test
  void staleEventsAndFalseInterruptions() {
    SessionStaleEventIgnoredPayload stale = new SessionStaleEventIgnoredPayload("resp_1", "upstream.response.done",
        "response_cancelled");
    JsonObject json = SessionEventCodecs.encode(stale);
    assertThat(json.encode()).isEqualTo("{\"response_id\":\"resp_1\",\"event_type\":\"upstream.response.done\","
        + "\"reason\":\"response_cancelled\"}");
    assertThat(SessionEventCodecs.decodeStaleEventIgnored(roundTrip(EventType.SESSION_STALE_EVENT_IGNORED, json)))
        .isEqualTo(stale);
    assertField(SessionEventCodecs::decodeStaleEventIgnored, json.copy().put("event_type", ""), "payload.event_type");

    SessionFalseInterruptionPayload counted = new SessionFalseInterruptionPayload("resp_1", 240, 1, "too_few_words");
    JsonObject c = SessionEventCodecs.encode(counted);
    assertThat(c.encode()).isEqualTo(
        "{\"response_id\":\"resp_1\",\"speech_ms\":240,\"words\":1,\"reason\":\"too_few_words\"}");
    assertThat(SessionEventCodecs.decodeFalseInterruption(roundTrip(EventType.SESSION_FALSE_INTERRUPTION, c)))
        .isEqualTo(counted);
    SessionFalseInterruptionPayload uncounted = new SessionFalseInterruptionPayload(null, 90, null, "too_short");
    JsonObject u = SessionEventCodecs.encode(uncounted);
    assertThat(u.encode()).isEqualTo("{\"response_id\":null,\"speech_ms\":90,\"words\":null,\"reason\":\"too_short\"}");
    assertThat(SessionEventCodecs.decodeFalseInterruption(roundTrip(EventType.SESSION_FALSE_INTERRUPTION, u)))
        .isEqualTo(uncounted);
    assertField(SessionEventCodecs::decodeFalseInterruption, c.copy().put("words", 2.5), "payload.words");
    assertField(SessionEventCodecs::decodeFalseInterruption, c.copy().put("words", 1L << 40), "payload.words");
  }

  @Test
  void rolloverHasOneShapePerOutcome() {
    SessionRolloverPayload planned = new SessionRolloverPayload.Planned("call_age", "rtc_1", 61_000);
    JsonObject p = SessionEventCodecs.encode(planned);
    assertThat(p.encode()).isEqualTo(
        "{\"outcome\":\"planned\",\"reason\":\"call_age\",\"call_id\":\"rtc_1\",\"deadline_ms\":61000}");
    assertThat(SessionEventCodecs.decodeRollover(roundTrip(EventType.SESSION_ROLLOVER, p))).isEqualTo(planned);

    SessionRolloverPayload completed = new SessionRolloverPayload.Completed("rtc_1", "rtc_2", null, 1);
    JsonObject c = SessionEventCodecs.encode(completed);
    assertThat(c.encode()).isEqualTo("{\"outcome\":\"completed\",\"old_call_id\":\"rtc_1\",\"new_call_id\":\"rtc_2\","
        + "\"gap_ms\":null,\"rollovers\":1}");
    assertThat(SessionEventCodecs.decodeRollover(roundTrip(EventType.SESSION_ROLLOVER, c))).isEqualTo(completed);
    SessionRolloverPayload measured = new SessionRolloverPayload.Completed("rtc_2", "rtc_3", 35L, 2);
    assertThat(SessionEventCodecs.decodeRollover(SessionEventCodecs.encode(measured))).isEqualTo(measured);

    SessionRolloverPayload failed = new SessionRolloverPayload.Failed("deadline", null);
    JsonObject f = SessionEventCodecs.encode(failed);
    assertThat(f.encode()).isEqualTo("{\"outcome\":\"failed\",\"reason\":\"deadline\",\"call_id\":null}");
    assertThat(SessionEventCodecs.decodeRollover(roundTrip(EventType.SESSION_ROLLOVER, f))).isEqualTo(failed);

    assertField(SessionEventCodecs::decodeRollover, p.copy().put("outcome", "postponed"), "payload.outcome");
    assertField(SessionEventCodecs::decodeRollover, without(p, "outcome"), "payload.outcome");
    assertField(SessionEventCodecs::decodeRollover, p.copy().put("deadline_ms", "soon"), "payload.deadline_ms");
    assertField(SessionEventCodecs::decodeRollover, c.copy().put("gap_ms", "35"), "payload.gap_ms");
    assertField(SessionEventCodecs::decodeRollover, without(c, "new_call_id"), "payload.new_call_id");
  }

  @Test
  void callsAndBudgets() {
    SessionCallHungUpPayload hungUp = new SessionCallHungUpPayload("rtc_1", "rollover_old_call");
    JsonObject h = SessionEventCodecs.encode(hungUp);
    assertThat(h.encode()).isEqualTo("{\"call_id\":\"rtc_1\",\"reason\":\"rollover_old_call\"}");
    assertThat(SessionEventCodecs.decodeCallHungUp(roundTrip(EventType.SESSION_CALL_HUNG_UP, h))).isEqualTo(hungUp);
    assertField(SessionEventCodecs::decodeCallHungUp, h.copy().putNull("call_id"), "payload.call_id");

    SessionBudgetExceededPayload budget = new SessionBudgetExceededPayload("tenant", "concurrency", 11, 10);
    JsonObject b = SessionEventCodecs.encode(budget);
    assertThat(b.encode()).isEqualTo("{\"scope\":\"tenant\",\"limit\":\"concurrency\",\"value\":11,\"max\":10}");
    assertThat(SessionEventCodecs.decodeBudgetExceeded(roundTrip(EventType.SESSION_BUDGET_EXCEEDED, b)))
        .isEqualTo(budget);
    assertField(SessionEventCodecs::decodeBudgetExceeded, b.copy().put("max", "10"), "payload.max");
    assertField(SessionEventCodecs::decodeBudgetExceeded, without(b, "scope"), "payload.scope");
  }

  @Test
  void anyPayloadEncodesAndDecodesByItsType() {
    List<SessionEventPayload> all = List.of(new SessionStartedPayload("u-1", null), new SessionEndedPayload("x", 1),
        new SessionPhaseChangedPayload("IDLE", "LISTENING", null, 0),
        new SessionInterruptedPayload("i", null, "THINKING", 0, null, null),
        new SessionInterruptRecoveredPayload("i", 3), new SessionInterruptRecoveryFailedPayload("i", "ack_timeout"),
        new SessionReconnectPayload("session", "x"), new SessionIceRestartPayload("ice_failed"),
        new SessionIceFailedPayload("failed"), new SessionStaleEventIgnoredPayload("r", "response.done", "response_done"),
        new SessionFalseInterruptionPayload(null, 1, null, "too_short"),
        new SessionRolloverPayload.Planned("requested", null, 5), new SessionRolloverPayload.Completed("a", "b", null, 1),
        new SessionRolloverPayload.Failed(null, null), new SessionBudgetExceededPayload("user", "duration", 2, 1),
        new SessionCallHungUpPayload("c", "replaced"));
    Set<EventType> types = EnumSet.noneOf(EventType.class);
    for (SessionEventPayload p : all) {
      assertThat(SessionEventCodecs.covers(p.type())).as(p.toString()).isTrue();
      JsonObject json = SessionEventCodecs.encode(p);
      assertThat(SessionEventCodecs.decode(p.type(), roundTrip(p.type(), json))).isEqualTo(p);
      types.add(p.type());
    }
    // every type of realtime.session.events but the compacted state has its payload here
    Set<EventType> sessionEvents = EnumSet.range(EventType.SESSION_PHASE_CHANGED, EventType.SESSION_ENDED);
    assertThat(types).isEqualTo(sessionEvents);
    assertThat(EnumSet.allOf(EventType.class).stream().filter(SessionEventCodecs::covers)).containsExactlyInAnyOrderElementsOf(sessionEvents);
    assertThatThrownBy(() -> SessionEventCodecs.decode(EventType.SESSION_STATE, new JsonObject()))
        .isInstanceOf(IllegalArgumentException.class);
    assertField(json -> SessionEventCodecs.decode(EventType.SESSION_RECONNECT, json), new JsonObject(), "payload.class");
  }

  @Test
  void unknownFieldsAreIgnored() {
    JsonObject json = SessionEventCodecs.encode(new SessionEndedPayload("abandoned", 2)).put("added_later", 1);
    assertThat(SessionEventCodecs.decodeEnded(json)).isEqualTo(new SessionEndedPayload("abandoned", 2));
  }

  private static JsonObject without(JsonObject json, String field) {
    JsonObject copy = json.copy();
    copy.remove(field);
    return copy;
  }

  private static void assertField(Function<JsonObject, ?> decode, JsonObject payload, String field) {
    assertThatThrownBy(() -> decode.apply(payload)).isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field));
  }
}
