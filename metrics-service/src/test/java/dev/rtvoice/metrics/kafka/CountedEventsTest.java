package dev.rtvoice.metrics.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.SessionBudgetExceededPayload;
import dev.rtvoice.common.event.payload.SessionCallHungUpPayload;
import dev.rtvoice.common.event.payload.SessionEndedPayload;
import dev.rtvoice.common.event.payload.SessionEventCodecs;
import dev.rtvoice.common.event.payload.SessionEventPayload;
import dev.rtvoice.common.event.payload.SessionFalseInterruptionPayload;
import dev.rtvoice.common.event.payload.SessionIceFailedPayload;
import dev.rtvoice.common.event.payload.SessionIceRestartPayload;
import dev.rtvoice.common.event.payload.SessionInterruptRecoveredPayload;
import dev.rtvoice.common.event.payload.SessionInterruptRecoveryFailedPayload;
import dev.rtvoice.common.event.payload.SessionInterruptedPayload;
import dev.rtvoice.common.event.payload.SessionPhaseChangedPayload;
import dev.rtvoice.common.event.payload.SessionReconnectPayload;
import dev.rtvoice.common.event.payload.SessionRolloverPayload;
import dev.rtvoice.common.event.payload.SessionStaleEventIgnoredPayload;
import dev.rtvoice.common.event.payload.SessionStartedPayload;
import dev.rtvoice.common.event.payload.TokenCallCreatedPayload;
import dev.rtvoice.common.event.payload.TokenDeniedPayload;
import dev.rtvoice.common.event.payload.TokenEventCodecs;
import dev.rtvoice.common.event.payload.TokenMintedPayload;
import dev.rtvoice.common.event.payload.TokenRefreshedPayload;
import dev.rtvoice.common.event.payload.TokenRotationFailedPayload;
import dev.rtvoice.common.event.payload.TokenUpstreamRejectedPayload;
import dev.rtvoice.metrics.domain.CounterCatalog;
import dev.rtvoice.metrics.domain.CounterDefinition;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Token and session events as the pipeline reads them: through common's codecs, every field a counter
 * of {@link CounterCatalog} names is there, and a payload the codec refuses is an
 * {@link InvalidEventException} naming its field (which the pipeline dead-letters).
 */
class CountedEventsTest {
  private static final List<SessionEventPayload> SESSION = List.of(new SessionStartedPayload("u", null),
      new SessionEndedPayload("abandoned", 2), new SessionPhaseChangedPayload("IDLE", "LISTENING", "client.connected", 0),
      new SessionInterruptedPayload("i", "r", "SPEAKING", 10, 10L, 10L), new SessionInterruptRecoveredPayload("i", 5),
      new SessionInterruptRecoveryFailedPayload("i", "ack_timeout"), new SessionReconnectPayload("transport", "x"),
      new SessionIceRestartPayload("ice_failed"), new SessionIceFailedPayload("failed"),
      new SessionStaleEventIgnoredPayload("r", "response.done", "response_done"),
      new SessionFalseInterruptionPayload(null, 100, null, "too_short"),
      new SessionRolloverPayload.Failed(null, null), new SessionBudgetExceededPayload("user", "duration", 2, 1),
      new SessionCallHungUpPayload("c", "abandoned"));

  private static EventEnvelope event(EventType type, JsonObject payload) {
    return EventEnvelope.create(type, type.sessionScoped() ? "s-1" : null, Instant.ofEpochMilli(1_000),
        Instant.ofEpochMilli(1_000), "test", payload);
  }

  private static EventEnvelope token(EventType type) {
    JsonObject payload = switch (type) {
      case TOKEN_ISSUED, TOKEN_ROTATED -> TokenEventCodecs.encode(
          new TokenMintedPayload("u", null, 600, 1, 1, 0, null, null, "fp", 1, 2, null));
      case TOKEN_REFRESHED -> TokenEventCodecs.encode(
          new TokenRefreshedPayload("u", null, 600, 1, 1, 0, null, null, 2, null));
      case TOKEN_ROTATION_FAILED -> TokenEventCodecs.encode(
          new TokenRotationFailedPayload("u", null, "upstream_5xx", 3, 900, true));
      case TOKEN_UPSTREAM_REJECTED -> TokenEventCodecs.encode(new TokenUpstreamRejectedPayload(401, "rotate", "u", null));
      case TOKEN_DENIED -> TokenEventCodecs.encode(new TokenDeniedPayload("rate_limited", "issue", null, null, null));
      case TOKEN_CALL_CREATED -> TokenEventCodecs.encode(new TokenCallCreatedPayload("u", null, "c", 1, true, null));
      default -> throw new IllegalArgumentException(type.wireName());
    };
    return event(type, payload);
  }

  private static EventEnvelope sample(EventType type) {
    if (TokenEventCodecs.covers(type)) {
      return token(type);
    }
    SessionEventPayload p = SESSION.stream().filter(x -> x.type() == type).findFirst().orElseThrow();
    return event(type, SessionEventCodecs.encode(p));
  }

  @Test
  void everyCounterFindsItsLabelsAndConditionsInTheDecodedPayload() {
    for (CounterDefinition counter : CounterCatalog.all()) {
      EventType type = EventType.fromWireName(counter.eventType()).orElseThrow();
      CountedEvents.Counted counted = CountedEvents.read(sample(type));
      assertThat(counted).as(counter.metric()).isNotNull();
      assertThat(counted.fields().keySet()).as(counter.metric()).containsAll(counter.labels())
          .containsAll(counter.onlyWhen().keySet());
    }
  }

  @Test
  void labelValuesComeFromTheRecord() {
    assertThat(CountedEvents.read(sample(EventType.SESSION_RECONNECT)).fields())
        .isEqualTo(Map.of("class", "transport", "reason", "x"));
    assertThat(CountedEvents.read(sample(EventType.TOKEN_UPSTREAM_REJECTED)).fields()).isEqualTo(Map.of("status", 401));
    assertThat(CountedEvents.read(sample(EventType.SESSION_ROLLOVER)).fields()).isEqualTo(Map.of("outcome", "failed"));
    assertThat(CountedEvents.read(sample(EventType.SESSION_INTERRUPTED)).payload())
        .isEqualTo(new SessionInterruptedPayload("i", "r", "SPEAKING", 10, 10L, 10L));
    assertThat(CountedEvents.read(event(EventType.LATENCY_SAMPLE, new JsonObject()))).isNull();
  }

  @Test
  void aPayloadTheCodecRefusesNamesItsField() {
    assertThatThrownBy(() -> CountedEvents.read(event(EventType.SESSION_CALL_HUNG_UP,
        new JsonObject().put("call_id", "c5")))).isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo("payload.reason"));
    assertThatThrownBy(() -> CountedEvents.read(event(EventType.TOKEN_ROTATION_FAILED,
        new JsonObject().put("user_id", "u")))).isInstanceOf(InvalidEventException.class);
    assertThatThrownBy(() -> CountedEvents.read(event(EventType.SESSION_ROLLOVER,
        new JsonObject().put("outcome", "postponed")))).isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo("payload.outcome"));
  }
}
