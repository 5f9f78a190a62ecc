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
 * The default ingest path: samples go straight into this instance's windows, and the answer waits
 * until a pane holding them is on Kafka ({@code acks=all}). The pane is then the durable record of
 * what was accepted: an instance that dies afterwards has already published it, and readers merge
 * every instance's newest pane, so N instances still give exact merged sketches.
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
  public Future<List<Rejection>> accept(List<LatencySample> samples, int[] indexes, long nowMs) {
    List<Rejection> late = List.of();
    int recorded = 0;
    for (int i = 0; i < samples.size(); i++) {
      LatencySample s = samples.get(i);
      WindowAggregator.Outcome outcome =
          aggregator.recordLatency(s.stage(), s.platform(), s.valueMs(), s.occurredAtMs(), nowMs);
      if (outcome == WindowAggregator.Outcome.RECORDED) {
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
