package dev.rtvoice.sessions.kafka;

import dev.rtvoice.common.event.payload.SessionEventCodecs;
import dev.rtvoice.sessions.domain.Decision;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.UUID;

/**
 * The record of one derived event on {@code realtime.session.events}: the state machine's payload record
 * encoded by common's {@link SessionEventCodecs} (the codec metrics-service reads with), in an envelope
 * written by {@link EnvelopeWriter}. The bytes are the ones the service wrote when the machine built its
 * payloads as maps ({@code SessionEventBytesTest}).
 */
public final class SessionEvents {
  private SessionEvents() {}

  public static Buffer encode(UUID eventId, String sessionId, Decision.Emitted e, Instant recordedAt, String source) {
    return EnvelopeWriter.encode(eventId, e.type(), e.type().currentVersion(), sessionId,
        Instant.ofEpochMilli(e.occurredAtMs()), recordedAt, source, SessionEventCodecs.encode(e.payload()).getMap());
  }
}
