package dev.rtvoice.metrics.ingest;

import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.RejectReason;
import dev.rtvoice.metrics.domain.Rejection;
import dev.rtvoice.metrics.domain.WindowAggregator;
import dev.rtvoice.metrics.kafka.PaneFlusher;
import dev.rtvoice.metrics.prometheus.ServiceMeters;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * The single-instance ingest path ({@code TELEMETRY_INGEST=local}): samples go straight into this
 * instance's windows, and the answer waits until a pane holding them is on Kafka ({@code acks=all}).
 * The pane is then the durable record of what was accepted. It does not know batch ids: a retry of
 * a batch whose first attempt was stored (the client timed out, or the answer was a 503 after the
 * deadline while the pane was still being published) is counted again, so it is only for a single
 * instance whose clients do not retry, and as the benchmark's reference.
 */
public final class LocalSampleSink implements SampleSink {
  private final WindowAggregator aggregator;
  private final PaneFlusher flusher;
  private final ServiceMeters meters;

  public LocalSampleSink(WindowAggregator aggregator, PaneFlusher flusher, ServiceMeters meters) {
    this.aggregator = aggregator;
    this.flusher = flusher;
    this.meters = meters;
  }

  @Override
  public Future<List<Rejection>> accept(String sessionId, String batchId, List<LatencySample> samples, int[] indexes, long nowMs) {
    List<Rejection> late = List.of();
    int recorded = 0;
    for (int i = 0; i < samples.size(); i++) {
      LatencySample s = samples.get(i);
      WindowAggregator.Outcome outcome =
          aggregator.recordLatency(s.stage(), s.platform(), s.valueMs(), s.occurredAtMs(), nowMs, nowMs);
      if (outcome == WindowAggregator.Outcome.RECORDED || outcome == WindowAggregator.Outcome.FOLDED) {
        meters.recordLatency(s.stage(), aggregator.platformLabel(s.platform()), s.valueMs());
        recorded++;
      } else {
        // validated against the same watermark on this event loop, so only a clock jump gets here
        if (late.isEmpty()) {
          late = new ArrayList<>();
        }
        RejectReason reason = outcome == WindowAggregator.Outcome.FUTURE ? RejectReason.IN_FUTURE : RejectReason.TOO_LATE;
        if (outcome == WindowAggregator.Outcome.LATE) {
          meters.sampleDropped(s.stage());
        }
        late.add(new Rejection(indexes[i], reason, "its window closed while the batch was processed"));
      }
    }
    List<Rejection> rejected = late;
    if (recorded == 0) {
      return Future.succeededFuture(rejected);
    }
    return flusher.durable().map(v -> rejected);
  }
}
