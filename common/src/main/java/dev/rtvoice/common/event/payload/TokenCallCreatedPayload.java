package dev.rtvoice.common.event.payload;

/**
 * The {@code token.call_created} payload (docs/events.md).
 *
 * @param callId upstream's call id ({@code rtc_...})
 * @param newSession whether the call began its session (no {@code token.issued} precedes it)
 * @param tenantId null when the user's token named no valid tenant
 */
public record TokenCallCreatedPayload(String userId, String deviceId, String callId, long upstreamMs,
                                      boolean newSession, String tenantId) {}
