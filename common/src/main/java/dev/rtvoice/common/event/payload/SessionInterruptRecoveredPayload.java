package dev.rtvoice.common.event.payload;

/** The {@code session.interrupt_recovered} payload (docs/events.md). */
public record SessionInterruptRecoveredPayload(String interruptId, long durationMs) {}
