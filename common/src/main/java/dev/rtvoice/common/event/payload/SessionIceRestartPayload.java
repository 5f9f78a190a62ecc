package dev.rtvoice.common.event.payload;

/** The {@code session.ice_restart} payload (docs/events.md). */
public record SessionIceRestartPayload(String reason) {}
