package dev.rtvoice.metrics.kafka;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.InvalidEventException;
import dev.rtvoice.common.event.payload.LatencySampleCodec;
import dev.rtvoice.common.event.payload.LatencySamplePayload;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.RawSample;
import dev.rtvoice.metrics.domain.RejectReason;
import dev.rtvoice.metrics.domain.Rejection;

/**
 * Between the {@code latency.sample} payload ({@link LatencySampleCodec}, shared with session-service,
 * which writes it) and this service's samples; session and event time are the envelope's.
 */
public final class LatencySampleEvents {
  private LatencySampleEvents() {}

  public static LatencySamplePayload payload(LatencySample s) {
    return new LatencySamplePayload(s.stage().wireName(), s.valueMs(), s.turn(), s.platform(), s.model());
  }

  /** The sample an event carries, or why its payload has the wrong types. */
  public static Object read(EventEnvelope event) {
    LatencySamplePayload p;
    try {
      p = LatencySampleCodec.decode(event.payloadView());
    } catch (InvalidEventException e) {
      return new Rejection(0, reasonOf(e.field()), e.field() + " " + e.reason());
    }
    return new RawSample(event.sessionId(), p.stage(), p.valueMs(), p.turn(), event.occurredAt().toEpochMilli(),
        p.platform(), p.model());
  }

  private static RejectReason reasonOf(String field) {
    return switch (field) {
      case "payload.stage" -> RejectReason.UNKNOWN_STAGE;
      case "payload.value_ms" -> RejectReason.INVALID_VALUE;
      case "payload.turn" -> RejectReason.INVALID_TURN;
      case "payload.platform" -> RejectReason.INVALID_PLATFORM;
      case "payload.model" -> RejectReason.INVALID_MODEL;
      default -> RejectReason.NOT_AN_OBJECT;
    };
  }
}
