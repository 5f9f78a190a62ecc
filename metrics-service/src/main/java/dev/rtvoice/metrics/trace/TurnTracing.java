package dev.rtvoice.metrics.trace;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.payload.SessionEventPayload;
import dev.rtvoice.common.event.payload.SessionInterruptRecoveredPayload;
import dev.rtvoice.common.event.payload.SessionInterruptRecoveryFailedPayload;
import dev.rtvoice.common.event.payload.SessionInterruptedPayload;
import dev.rtvoice.common.event.payload.SessionPhaseChangedPayload;
import dev.rtvoice.common.event.payload.SessionReconnectPayload;
import dev.rtvoice.metrics.config.TraceSettings;
import dev.rtvoice.metrics.domain.AssembledTurn;
import dev.rtvoice.metrics.domain.CounterCatalog;
import dev.rtvoice.metrics.domain.LatencySample;
import dev.rtvoice.metrics.domain.TurnAssembler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each voice turn as an OpenTelemetry trace, exported over OTLP/HTTP: fed by the pipeline consumer
 * (which sees every sample of a session on one partition, and its session events), assembled in a
 * bounded {@link TurnAssembler}, exported when the turn's {@code full_turn} arrives or after the
 * quiet timeout. {@link #OFF} (no endpoint configured) does nothing at all.
 *
 * <p>Called on the consumer's event loop only. The exporter sends on the JDK HTTP client's own
 * threads; at most {@link #MAX_IN_FLIGHT} exports run at once, beyond that turns are dropped and
 * counted rather than queued without bound.
 */
public final class TurnTracing {
  private static final Logger LOG = LoggerFactory.getLogger(TurnTracing.class);
  static final int MAX_IN_FLIGHT = 8;
  private static final long TICK_MS = 1_000;

  public static final TurnTracing OFF = new TurnTracing();

  private final Vertx vertx;
  private final TurnAssembler assembler;
  private final SpanExporter exporter;
  private final TurnSpans spans;
  private final Clock clock;
  private final List<AssembledTurn> ready = new ArrayList<>();
  private long timer = -1;
  private int inFlight;
  private Counter exportedComplete;
  private Counter exportedQuiet;
  private Counter exportFailed;
  private Counter exportOverloaded;

  private TurnTracing() {
    this.vertx = null;
    this.assembler = null;
    this.exporter = null;
    this.spans = null;
    this.clock = null;
  }

  TurnTracing(Vertx vertx, TurnAssembler assembler, SpanExporter exporter, TurnSpans spans, Clock clock,
              MeterRegistry registry) {
    this.vertx = vertx;
    this.assembler = assembler;
    this.exporter = exporter;
    this.spans = spans;
    this.clock = clock;
    for (TurnAssembler.Drop reason : TurnAssembler.Drop.values()) {
      FunctionCounter.builder("trace.turns.dropped", assembler, a -> a.dropped(reason))
          .description("Turns (or their samples and events) not exported, by reason: session_limit and "
              + "total_limit evict a whole turn; late, no_turn, duplicate_or_full drop one item")
          .tag("reason", reason.name().toLowerCase()).register(registry);
    }
    exportedComplete = Counter.builder("trace.turns.exported").tag("complete", "true")
        .description("Turns exported as traces (complete: with their full_turn; else after the quiet timeout)")
        .register(registry);
    exportedQuiet = Counter.builder("trace.turns.exported").tag("complete", "false").register(registry);
    exportFailed = Counter.builder("trace.export.failures").description("OTLP exports that failed (turns lost)")
        .register(registry);
    exportOverloaded = Counter.builder("trace.export.overloaded")
        .description("Turns dropped because the OTLP receiver was too slow (exports in flight at the limit)")
        .register(registry);
    Gauge.builder("trace.buffer.turns", assembler, TurnAssembler::openTurns)
        .description("Turns being assembled").register(registry);
    Gauge.builder("trace.buffer.bytes", assembler, TurnAssembler::bytes)
        .description("Estimated bytes of the turns being assembled").register(registry);
  }

  /** Turn traces to the configured OTLP endpoint; starts the quiet-timeout tick. */
  public static TurnTracing start(Vertx vertx, TraceSettings settings, Clock clock, MeterRegistry registry) {
    OtlpHttpSpanExporterBuilder builder = OtlpHttpSpanExporter.builder()
        .setEndpoint(settings.endpoint().toString())
        .setTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    settings.headers().forEach(builder::addHeader);
    TurnTracing tracing = new TurnTracing(vertx, new TurnAssembler(settings.limits()), builder.build(),
        new TurnSpans(settings.serviceName()), clock, registry);
    tracing.timer = vertx.setPeriodic(TICK_MS, t -> tracing.tick());
    LOG.info("turn traces exported to {}", settings.endpoint());
    return tracing;
  }

  public boolean enabled() {
    return assembler != null;
  }

  /** A validated stage sample of the pipeline. */
  public void sample(LatencySample sample) {
    if (assembler == null) {
      return;
    }
    AssembledTurn done = assembler.sample(sample, clock.millis());
    if (done != null) {
      export(List.of(done));
    }
  }

  /**
   * A session event, decoded by {@code SessionEventCodecs}: the interrupt and recovery of the current
   * turn become events of its trace.
   */
  public void sessionEvent(EventEnvelope event, SessionEventPayload payload) {
    if (assembler == null || event.sessionId() == null) {
      return;
    }
    long now = clock.millis();
    String name;
    Map<String, String> attributes = new LinkedHashMap<>();
    // Java 17: no pattern switch
    if (payload instanceof SessionPhaseChangedPayload moved) {
      if (moved.turn() >= 0) {
        assembler.turnSeen(event.sessionId(), moved.turn(), now);
      }
      return;
    } else if (payload instanceof SessionInterruptedPayload p) {
      name = "interrupted";
      attribute(attributes, "interrupt_id", p.interruptId());
      attribute(attributes, "response_id", p.responseId());
      attribute(attributes, "phase_before", p.phaseBefore());
      attribute(attributes, "audio_end_ms", p.audioEndMs());
    } else if (payload instanceof SessionInterruptRecoveredPayload p) {
      name = "interrupt_recovered";
      attribute(attributes, "interrupt_id", p.interruptId());
      attribute(attributes, "duration_ms", p.durationMs());
    } else if (payload instanceof SessionInterruptRecoveryFailedPayload p) {
      name = "interrupt_recovery_failed";
      attribute(attributes, "interrupt_id", p.interruptId());
      attribute(attributes, "reason", p.reason());
    } else if (payload instanceof SessionReconnectPayload p) {
      name = "reconnect";
      attribute(attributes, "class", p.recoveryClass());
      attribute(attributes, "reason", p.reason());
    } else {
      return;
    }
    assembler.event(event.sessionId(), name, event.occurredAt().toEpochMilli(), attributes, now);
  }

  /** A field of the payload as a span event attribute, when it has a value. */
  private static void attribute(Map<String, String> attributes, String field, Object value) {
    if (value != null) {
      attributes.put(field, CounterCatalog.labelValue(value.toString())); // bounded: 64 label-safe chars
    }
  }

  private void tick() {
    List<AssembledTurn> quiet = assembler.expire(clock.millis());
    if (!quiet.isEmpty()) {
      export(quiet);
    }
  }

  private void export(List<AssembledTurn> turns) {
    if (inFlight >= MAX_IN_FLIGHT) {
      exportOverloaded.increment(turns.size());
      return;
    }
    List<SpanData> data = new ArrayList<>();
    for (AssembledTurn turn : turns) {
      data.addAll(spans.of(turn));
      (turn.complete() ? exportedComplete : exportedQuiet).increment();
      LOG.atDebug().addKeyValue("trace_id", turn.traceId()).addKeyValue("session_id", turn.sessionId())
          .addKeyValue("turn", turn.turn())
          .log("turn {} of {} exported ({} stages, {} events)", turn.turn(), turn.sessionId(),
              turn.stages().size(), turn.events().size());
    }
    inFlight++;
    CompletableResultCode result = exporter.export(data);
    result.whenComplete(() -> vertx.runOnContext(v -> {
      inFlight--;
      if (!result.isSuccess()) {
        exportFailed.increment();
        AssembledTurn first = turns.get(0);
        LOG.atWarn().addKeyValue("trace_id", first.traceId()).addKeyValue("session_id", first.sessionId())
            .log("OTLP export of {} turn(s) failed", turns.size());
      }
    }));
  }

  /** Exports what is still being assembled (incomplete), then shuts the exporter down. */
  public Future<Void> stop() {
    if (assembler == null) {
      return Future.succeededFuture();
    }
    vertx.cancelTimer(timer);
    List<AssembledTurn> rest = assembler.expire(Long.MAX_VALUE);
    if (!rest.isEmpty()) {
      export(rest);
    }
    Promise<Void> done = Promise.promise();
    CompletableResultCode flushed = exporter.shutdown();
    flushed.whenComplete(() -> done.tryComplete());
    return done.future();
  }
}
