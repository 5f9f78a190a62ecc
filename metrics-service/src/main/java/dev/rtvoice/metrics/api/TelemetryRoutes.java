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
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import dev.rtvoice.metrics.ingest.KafkaAvailability;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/telemetry}: a batch of stage samples from a client, authenticated by the session's
 * rotation token. Each sample is judged on its own; the answer (200) counts accepted and rejected
 * samples and gives the reason of each rejection. The answer is sent once the accepted samples are
 * durable; if that cannot be promised within the request deadline, or Kafka is known to be down,
 * 503 {@code unavailable} at once and the client retries the batch with the same {@code batch_id}
 * (the copies are counted once, see {@code PipelineConsumer}).
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
  private final KafkaAvailability kafka;
  private final long deadlineMs;
  private int pending;

  public TelemetryRoutes(BearerAuth auth, SampleValidator validator, WindowAggregator aggregator, SampleSink sink,
                         ServiceMeters meters, Clock clock, int maxBatch, int maxPending, KafkaAvailability kafka,
                         Duration deadline) {
    this.auth = auth;
    this.parser = new TelemetryBatchParser(maxBatch);
    this.validator = validator;
    this.aggregator = aggregator;
    this.sink = sink;
    this.meters = meters;
    this.clock = clock;
    this.maxBatch = maxBatch;
    this.maxPending = maxPending;
    this.kafka = kafka;
    this.deadlineMs = deadline.toMillis();
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

    if (!accepted.isEmpty() && kafka.down()) {
      meters.telemetryUnavailable(accepted.size());
      unavailable(ctx, "Kafka is down; retry the batch with the same batch_id shortly");
      return;
    }
    // without a batch_id the client cannot be recognized on a retry; its batch is still taken
    String batchId = batch.batchId() != null ? batch.batchId() : UUID.randomUUID().toString();
    pending++;
    Future<List<Rejection>> stored = withDeadline(ctx.vertx(), sink.accept(handle.sessionId(), batchId, accepted,
        indexes, now));
    stored.onComplete(ar -> {
      pending--;
      if (ar.failed()) {
        // the samples may still become durable (the write goes on): the retry's copy is not counted twice
        LOG.warn("telemetry batch of {} samples not stored: {}", accepted.size(), ar.cause().toString());
        kafka.writeFailed(ar.cause());
        meters.telemetryUnavailable(accepted.size());
        unavailable(ctx, "samples could not be stored durably in time; retry the batch with the same batch_id");
        return;
      }
      if (!accepted.isEmpty()) {
        kafka.writeSucceeded();
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
      if (ctx.response().closed()) {
        return; // the client gave up; its retry carries the same batch_id
      }
      ctx.response().putHeader("content-type", "application/json").end(answer(acceptedCount, all).toBuffer());
    });
  }

  /**
   * The sink's outcome, or a failure once the deadline passed (the write goes on; a retry's copy is
   * not counted twice). Completes on this request's event loop, which owns this object's state.
   */
  private <T> Future<T> withDeadline(Vertx vertx, Future<T> result) {
    Context context = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(deadlineMs, t -> promise.tryFail(
        new TimeoutException("not durable within the deadline of " + deadlineMs + " ms")));
    result.onComplete(ar -> context.runOnContext(v -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    }));
    return promise.future();
  }

  private static void unavailable(RoutingContext ctx, String message) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().putHeader("Retry-After", "1");
    JsonErrors.send(ctx, 503, "unavailable", message, null);
  }

  static JsonObject answer(int accepted, List<Rejection> rejections) {
    JsonArray out = new JsonArray();
    for (Rejection r : rejections) {
      out.add(new JsonObject().put("index", r.index()).put("reason", r.reason().code()).put("message", r.message()));
    }
    return new JsonObject().put("accepted", accepted).put("rejected", rejections.size()).put("rejections", out);
  }
}
