package dev.rtvoice.sessions.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.sessions.domain.EventSummary;
import dev.rtvoice.sessions.domain.Input;
import dev.rtvoice.sessions.domain.InvalidSummaryException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the commands carry for the call's life: the tenant, who was heard, the owner's wall clock. */
class CommandsTest {
  private static final long NOW = 1_800_000_000_000L;

  private static EventSummary event(String type, Object... fields) {
    Map<String, Object> m = new java.util.HashMap<>(Map.of("type", type, "seq", 1, "occurred_at_ms", NOW));
    for (int i = 0; i < fields.length; i += 2) {
      m.put((String) fields[i], fields[i + 1]);
    }
    return EventSummary.parse(m, "", true, NOW, 0);
  }

  @Test
  void clientCommandsCarryTheTenantAndCountAsTheClientHeard() {
    Commands.Caller caller = new Commands.Caller("u1", "d1", NOW + 60_000, "acme");
    Commands.Command events = Commands.decode(EventCodec.decode(Commands.clientEvents("s1",
        List.of(event("client.heartbeat")), caller, "web", Instant.ofEpochMilli(NOW))));
    assertThat(events.tenantId()).isEqualTo("acme");
    assertThat(events.fromClient()).isTrue();
    Commands.Command recover = Commands.decode(Commands.recovery("s1", "rollover", caller, Instant.ofEpochMilli(NOW),
        Instant.ofEpochMilli(NOW)));
    assertThat(recover.tenantId()).isEqualTo("acme");
    assertThat(recover.fromClient()).isTrue();
    Commands.Command none = Commands.decode(Commands.interrupt("s1", "i1", 0, null, null,
        new Commands.Caller("u1", "d1", NOW), Instant.ofEpochMilli(NOW), Instant.ofEpochMilli(NOW)));
    assertThat(none.tenantId()).isNull();
    assertThat(none.fromClient()).isTrue();
  }

  @Test
  void ticksCarryTheOwnersWallClockAndAreNotTheClient() {
    Commands.Command tick = Commands.decode(Commands.clockTick("s1", NOW - 5_000, "u1", "d1",
        Instant.ofEpochMilli(NOW)));
    assertThat(tick.fromClient()).isFalse();
    assertThat(tick.inputs()).containsExactly(new Input.Tick(NOW - 5_000, NOW));
    Commands.Command upstream = Commands.decode(Commands.upstreamEvent("s1",
        EventSummary.parse(Map.of("type", "session.created", "occurred_at_ms", NOW), "", false, NOW, 0), "u1", "d1",
        Instant.ofEpochMilli(NOW)));
    assertThat(upstream.fromClient()).isFalse();
  }

  @Test
  void theOwnersFindingsAreCommandsThatReadBackAsTheirInputsAndAreNotTheClient() {
    Input.BudgetExceeded over = new Input.BudgetExceeded("tenant", "concurrency", 4, 3, NOW - 10);
    Commands.Command budget = Commands.decode(EventCodec.decode(EventCodec.encode(
        Commands.overBudget("s1", over, "u1", "d1", Instant.ofEpochMilli(NOW)))));
    assertThat(budget.inputs()).containsExactly(over);
    assertThat(budget.fromClient()).isFalse();
    assertThat(budget.userId()).isEqualTo("u1");
    Input.SidebandCancelFailed failed = new Input.SidebandCancelFailed("int_7", NOW - 3);
    Commands.Command cancel = Commands.decode(EventCodec.decode(EventCodec.encode(
        Commands.sidebandCancelFailed("s1", failed, "u1", "d1", Instant.ofEpochMilli(NOW)))));
    assertThat(cancel.inputs()).containsExactly(failed);
    assertThat(cancel.fromClient()).isFalse();
  }

  @Test
  void aCreatedCallIsACommandWithTheTokenEventsTimesAndAStableId() {
    dev.rtvoice.common.event.EventEnvelope tokenEvent = dev.rtvoice.common.event.EventEnvelope.create(
        dev.rtvoice.common.event.EventType.TOKEN_CALL_CREATED, "s1", Instant.ofEpochMilli(NOW - 50),
        Instant.ofEpochMilli(NOW - 40), "token-service", new io.vertx.core.json.JsonObject());
    dev.rtvoice.common.event.payload.TokenCallCreatedPayload call =
        new dev.rtvoice.common.event.payload.TokenCallCreatedPayload("u1", null, "rtc_1", 80, true, "acme");
    dev.rtvoice.common.event.EventEnvelope command = Commands.callCreated(tokenEvent, call);
    assertThat(Commands.callCreated(tokenEvent, call).eventId()).as("written twice, the same command")
        .isEqualTo(command.eventId());
    Commands.Command decoded = Commands.decode(EventCodec.decode(EventCodec.encode(command)));
    assertThat(decoded.inputs()).containsExactly(new Input.CallCreated("rtc_1", NOW - 50, NOW - 40));
    assertThat(decoded.fromClient()).as("the client's request to token-service").isTrue();
    assertThat(decoded.deviceId()).isEqualTo("unknown");
    assertThat(decoded.tenantId()).isEqualTo("acme");
  }

  @Test
  void aCallIdIsLettersDigitsUnderscoreAndDash() {
    assertThat(event("client.connected", "call_id", "rtc_AZaz09-_").callId()).isEqualTo("rtc_AZaz09-_");
    for (String bogus : List.of("../x", "rtc 1", "rtc?x=1", "rtc%2F", "r".repeat(129), "rtc/1")) {
      assertThatThrownBy(() -> event("client.reconnected", "reason", "rollover", "call_id", bogus))
          .as(bogus).isInstanceOf(InvalidSummaryException.class).hasMessageContaining("call_id");
    }
  }
}
