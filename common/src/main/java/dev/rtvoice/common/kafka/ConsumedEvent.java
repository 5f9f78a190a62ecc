package dev.rtvoice.common.kafka;

import dev.rtvoice.common.event.EventEnvelope;

/** A decoded event and where it came from; the offset is what a handler may use for ordering. */
public record ConsumedEvent(EventEnvelope event, String key, String topic, int partition, long offset) {}
