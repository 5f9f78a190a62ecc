package dev.rtvoice.metrics.api;

import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.common.http.JsonErrors;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.RawSample;
import dev.rtvoice.metrics.domain.Rejection;
import dev.rtvoice.metrics.domain.SampleValidator;
import dev.rtvoice.metrics.domain.WindowAggregator;
import dev.rtvoice.metrics.ingest.SampleSink;
import dev.rtvoice.metrics.prometheus.ServiceMeters;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/telemetry}: a batch of stage samples from a client, authenticated by the session's
 * rotation token. Each sample is judged on its own; the answer (200) counts accepted and rejected
 * samples and gives the reason of each rejection. The answer is sent once the accepted samples are
 * durable; if that cannot be promised, 503 and the client retries.
 */
public final class TelemetryRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(TelemetryRoutes.class);
  /** Bytes a sample may take on average before the body is refused as too large. */
  private static final int BYTES_PER_SAMPLE = 1024;

  private final BearerAuth auth;
  private final TelemetryBatchParser parser;
  private final SampleValidator validator;
  private final WindowAggregator aggregator;
  private final SampleSink sink;
  private final ServiceMeters meters;
  private final Clock clock;
  private final int maxBatch;
  private final int maxPending;
  private int pending;

  public TelemetryRoutes(BearerAuth auth, SampleValidator validator, WindowAggregator aggregator, SampleSink sink,
                         ServiceMeters meters, Clock clock, int maxBatch, int maxPending) {
    this.auth = auth;
    this.parser = new TelemetryBatchParser(maxBatch);
    this.validator = validator;
    this.aggregator = aggregator;
    this.sink = sink;
    this.meters = meters;
    this.clock = clock;
    this.maxBatch = maxBatch;
    this.maxPending = maxPending;
  }

  public void mount(Router router) {
    router.post("/v1/telemetry")
        .handler(BodyHandler.create(false).setBodyLimit((long) maxBatch * BYTES_PER_SAMPLE + 4096))
        .handler(this::ingest);
  }

  private void ingest(RoutingContext ctx) {
    SessionHandle handle = auth.authenticate(ctx);
    Buffer body = ctx.body().buffer();
    TelemetryBatch batch = parser.parse(body == null ? null : body.getBytes());
    if (batch.sessionId() != null && !batch.sessionId().equals(handle.sessionId())) {
      throw new ApiException(403, "session_mismatch", "session_id is not the rotation token's session");
    }
    if (pending >= maxPending) {
      ctx.response().putHeader("Retry-After", "1");
      throw new ApiException(503, "overloaded", "too many batches waiting to be stored; retry shortly");
    }

    long now = clock.millis();
    long watermark = aggregator.watermark();
    int n = batch.size();
    List<LatencySample> accepted = new ArrayList<>(n);
    int[] indexes = new int[n];
    List<Rejection> rejections = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      RawSample raw = batch.samples()[i];
      if (raw == null) {
        rejections.add(batch.unreadable()[i]);
        continue;
      }
      SampleValidator.Checked checked =
          validator.check(i, raw, SampleValidator.Source.CLIENT, handle.sessionId(), now, watermark);
      if (checked.accepted()) {
        indexes[accepted.size()] = i;
        accepted.add(checked.sample());
      } else {
        rejections.add(checked.rejection());
      }
    }

    pending++;
    sink.accept(accepted, indexes, now).onComplete(ar -> {
      pending--;
      if (ar.failed()) {
        // the samples may be in memory but are not durable: say so, the client retries
        LOG.warn("telemetry batch of {} samples not stored: {}", accepted.size(), ar.cause().toString());
        meters.telemetryUnavailable(accepted.size());
        ctx.response().putHeader("Retry-After", "1");
        JsonErrors.send(ctx, 503, "unavailable", "samples could not be stored durably; retry the batch", null);
        return;
      }
      List<Rejection> all = rejections;
      int acceptedCount = accepted.size();
      if (!ar.result().isEmpty()) {
        all = new ArrayList<>(rejections);
        all.addAll(ar.result());
        all.sort(Comparator.comparingInt(Rejection::index));
        acceptedCount -= ar.result().size();
      }
      meters.telemetry(acceptedCount, all);
      ctx.response().putHeader("content-type", "application/json").end(answer(acceptedCount, all).toBuffer());
    });
  }

  static JsonObject answer(int accepted, List<Rejection> rejections) {
    JsonArray out = new JsonArray();
    for (Rejection r : rejections) {
      out.add(new JsonObject().put("index", r.index()).put("reason", r.reason().code()).put("message", r.message()));
    }
    return new JsonObject().put("accepted", accepted).put("rejected", rejections.size()).put("rejections", out);
  }
}
