package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.RawSample;
import dev.rtvoice.metrics.domain.RejectReason;
import dev.rtvoice.metrics.domain.Rejection;
import io.vertx.core.json.JsonObject;

/**
 * The {@code latency.sample} payload of docs/events.md: {@code stage}, {@code value_ms},
 * {@code turn}, {@code platform}, {@code model} (optional); session and event time are the
 * envelope's.
 */
public final class LatencySampleEvents {
  private LatencySampleEvents() {}

  public static JsonObject payload(LatencySample s) {
    JsonObject payload = new JsonObject()
        .put("stage", s.stage().wireName())
        .put("value_ms", s.valueMs())
        .put("turn", s.turn())
        .put("platform", s.platform());
    if (s.model() != null) {
      payload.put("model", s.model());
    }
    return payload;
  }

  /** The sample an event carries, or why its payload has the wrong types. */
  public static Object read(EventEnvelope event) {
    JsonObject p = event.payloadView();
    Object stage = p.getValue("stage");
    if (stage != null && !(stage instanceof String)) {
      return new Rejection(0, RejectReason.UNKNOWN_STAGE, "payload.stage must be a string");
    }
    Object value = p.getValue("value_ms");
    if (value != null && !(value instanceof Number)) {
      return new Rejection(0, RejectReason.INVALID_VALUE, "payload.value_ms must be a number");
    }
    Object turn = p.getValue("turn");
    if (turn != null && !(turn instanceof Integer || turn instanceof Long)) {
      return new Rejection(0, RejectReason.INVALID_TURN, "payload.turn must be an integer");
    }
    Object platform = p.getValue("platform");
    if (platform != null && !(platform instanceof String)) {
      return new Rejection(0, RejectReason.INVALID_PLATFORM, "payload.platform must be a string");
    }
    Object model = p.getValue("model");
    if (model != null && !(model instanceof String)) {
      return new Rejection(0, RejectReason.INVALID_MODEL, "payload.model must be a string");
    }
    return new RawSample(event.sessionId(), (String) stage, value == null ? null : ((Number) value).doubleValue(),
        turn == null ? null : ((Number) turn).longValue(), event.occurredAt().toEpochMilli(), (String) platform,
        (String) model);
  }
}
