package dev.rtvoice.metrics.api;

import dev.rtvoice.metrics.domain.RawSample;
import dev.rtvoice.metrics.domain.Rejection;

/**
 * A telemetry body as read: for each element of {@code samples}, either the raw sample or why it
 * could not even be read (a wrong type), never both.
 *
 * @param sessionId the batch's {@code session_id}, or null (samples then carry their own, or take
 *     the rotation token's)
 * @param batchId the client's idempotency key ({@code batch_id}), the same on every retry; or null
 */
public record TelemetryBatch(String sessionId, String batchId, RawSample[] samples, Rejection[] unreadable) {
  public int size() {
    return samples.length;
  }
}
