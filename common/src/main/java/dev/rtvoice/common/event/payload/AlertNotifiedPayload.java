package dev.rtvoice.common.event.payload;

import java.util.Set;

/**
 * The {@code alert.notified} payload (docs/events.md): a webhook receiver took a group's notification.
 *
 * @param instance the alerting-service instance that sent it
 * @param firing fingerprints of the firing alerts the receiver got
 * @param resolved fingerprints of the resolved alerts the receiver got
 */
public record AlertNotifiedPayload(String instance, String receiver, String groupKey, Set<String> firing,
                                   Set<String> resolved, long notifiedAtMs) {}
