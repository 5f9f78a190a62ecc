package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.SessionBudgetExceededPayload;
import dev.rtvoice.common.event.payload.SessionCallHungUpPayload;
import dev.rtvoice.common.event.payload.SessionEndedPayload;
import dev.rtvoice.common.event.payload.SessionEventCodecs;
import dev.rtvoice.common.event.payload.SessionEventPayload;
import dev.rtvoice.common.event.payload.SessionFalseInterruptionPayload;
import dev.rtvoice.common.event.payload.SessionInterruptRecoveryFailedPayload;
import dev.rtvoice.common.event.payload.SessionReconnectPayload;
import dev.rtvoice.common.event.payload.SessionRolloverPayload;
import dev.rtvoice.common.event.payload.TokenDeniedPayload;
import dev.rtvoice.common.event.payload.TokenEventCodecs;
import dev.rtvoice.common.event.payload.TokenRotationFailedPayload;
import dev.rtvoice.common.event.payload.TokenUpstreamRejectedPayload;
import java.util.Map;

/**
 * The token and session events metrics-service counts (and turn-traces), read through common's
 * {@link TokenEventCodecs} and {@link SessionEventCodecs}: the codecs token-service and session-service
 * write them with, so both ends agree on every field. The counters of {@code CounterCatalog} name their
 * labels by the payload fields of docs/events.md; {@link Counted#fields()} gives those fields' values,
 * taken from the decoded record.
 *
 * <p>A payload the codec refuses (a required field missing or of the wrong type, a
 * {@code session.rollover} outcome other than planned, completed or failed) is an
 * {@link InvalidEventException} naming {@code payload.<field>}: {@link PipelineConsumer} dead-letters
 * the record with that field and reason (logged), counts and traces nothing of it, and goes on with the
 * next record; the consumer never stops on it. A value the codec accepts but a counter does not know
 * (a new reason, say) is counted under {@code other} where the label is a closed set.
 */
final class CountedEvents {
  private CountedEvents() {}

  /**
   * A decoded event.
   *
   * @param payload the codec's record ({@link SessionEventPayload} for session events)
   * @param fields the payload fields counters use as labels or conditions, by their names in docs/events.md
   */
  record Counted(Record payload, Map<String, Object> fields) {}

  /**
   * The event's payload through its type's codec, or null for a type that is neither a token nor a
   * session event (nothing to count).
   *
   * @throws InvalidEventException the payload breaks the contract
   */
  static Counted read(EventEnvelope event) {
    EventType type = event.type();
    if (SessionEventCodecs.covers(type)) {
      SessionEventPayload p = SessionEventCodecs.decode(type, event.payloadView());
      return new Counted((Record) p, fields(p));
    }
    if (TokenEventCodecs.covers(type)) {
      Record p = TokenEventCodecs.decode(type, event.payloadView());
      return new Counted(p, fields(p));
    }
    return null;
  }

  private static Map<String, Object> fields(Object p) {
    // Java 17: no pattern switch
    if (p instanceof SessionInterruptRecoveryFailedPayload failed) {
      return Map.of("reason", failed.reason());
    } else if (p instanceof SessionReconnectPayload reconnect) {
      return Map.of("class", reconnect.recoveryClass(), "reason", reconnect.reason());
    } else if (p instanceof SessionFalseInterruptionPayload falseInterruption) {
      return Map.of("reason", falseInterruption.reason());
    } else if (p instanceof SessionRolloverPayload rollover) {
      return Map.of("outcome", rollover.outcome());
    } else if (p instanceof SessionBudgetExceededPayload budget) {
      return Map.of("scope", budget.scope(), "limit", budget.limit());
    } else if (p instanceof SessionCallHungUpPayload hungUp) {
      return Map.of("reason", hungUp.reason());
    } else if (p instanceof SessionEndedPayload ended) {
      return Map.of("reason", ended.reason());
    } else if (p instanceof TokenRotationFailedPayload failed) {
      return Map.of("reason", failed.reason());
    } else if (p instanceof TokenUpstreamRejectedPayload rejected) {
      return Map.of("status", rejected.status());
    } else if (p instanceof TokenDeniedPayload denied) {
      return Map.of("reason", denied.reason());
    }
    return Map.of();
  }
}
