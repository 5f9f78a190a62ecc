package dev.rtvoice.metrics.ingest;

import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.Rejection;
import io.vertx.core.Future;
import java.util.List;

/** Where validated HTTP samples go; the future completes once they are durable. */
public interface SampleSink {
  /**
   * @param sessionId the rotation token's session
   * @param batchId the client's idempotency key of the batch (or one made up for a client without)
   * @param indexes the batch index of each sample, for rejections
   * @return samples that were rejected on the way after all (a bucket closed in between)
   */
  Future<List<Rejection>> accept(String sessionId, String batchId, List<LatencySample> samples, int[] indexes, long nowMs);
}
