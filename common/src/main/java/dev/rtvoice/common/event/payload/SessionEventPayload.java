package dev.rtvoice.common.event.payload;

import dev.rtvoice.common.event.EventType;

/**
 * The payload of one {@code realtime.session.events} event (docs/events.md): one record per event type
 * (three for {@code session.rollover}, one per outcome), each naming its type. session-service's state
 * machine builds them (plain Java, no JSON); {@link SessionEventCodecs} turns them into JSON and back.
 */
public sealed interface SessionEventPayload
    permits SessionStartedPayload, SessionEndedPayload, SessionPhaseChangedPayload, SessionInterruptedPayload,
        SessionInterruptRecoveredPayload, SessionInterruptRecoveryFailedPayload, SessionReconnectPayload,
        SessionIceRestartPayload, SessionIceFailedPayload, SessionStaleEventIgnoredPayload,
        SessionFalseInterruptionPayload, SessionRolloverPayload, SessionBudgetExceededPayload,
        SessionCallHungUpPayload {
  /** The event type this payload is the payload of. */
  EventType type();
}
