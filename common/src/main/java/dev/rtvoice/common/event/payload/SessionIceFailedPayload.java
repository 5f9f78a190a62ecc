package dev.rtvoice.common.event.payload;

/**
 * The {@code session.ice_failed} payload (docs/events.md).
 *
 * @param iceState the state the client reported
 */
public record SessionIceFailedPayload(String iceState) {}
