package dev.rtvoice.metrics.trace;

import dev.rtvoice.metrics.domain.AssembledTurn;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An assembled turn as OpenTelemetry spans, with the ids and times the turn already has (the SDK's
 * tracer would make up its own): a root span {@code turn} and a child span per stage, the session
 * events as events of the root span; attributes {@code session_id}, {@code turn}, {@code platform},
 * {@code model}.
 */
public final class TurnSpans {
  static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("dev.rtvoice.metrics.turns");

  private final Resource resource;

  public TurnSpans(String serviceName) {
    this.resource = Resource.getDefault().merge(Resource.create(
        Attributes.of(AttributeKey.stringKey("service.name"), serviceName)));
  }

  public List<SpanData> of(AssembledTurn turn) {
    SpanContext root = SpanContext.create(turn.traceId(), turn.rootSpanId(), TraceFlags.getSampled(),
        TraceState.getDefault());
    AttributesBuilder common = Attributes.builder()
        .put("session_id", turn.sessionId())
        .put("turn", turn.turn());
    if (turn.platform() != null) {
      common.put("platform", turn.platform());
    }
    if (turn.model() != null) {
      common.put("model", turn.model());
    }
    Attributes shared = common.build();
    List<EventData> events = new ArrayList<>(turn.events().size());
    for (AssembledTurn.TurnEvent e : turn.events()) {
      AttributesBuilder attrs = Attributes.builder();
      for (Map.Entry<String, String> a : e.attributes().entrySet()) {
        attrs.put(a.getKey(), a.getValue());
      }
      events.add(EventData.create(e.epochNanos(), e.name(), attrs.build()));
    }
    List<SpanData> spans = new ArrayList<>(turn.stages().size() + 1);
    spans.add(new TurnSpan("turn", root, SpanContext.getInvalid(), turn.startEpochNanos(), turn.endEpochNanos(),
        shared.toBuilder().put("turn.complete", turn.complete()).build(), events, resource));
    for (AssembledTurn.StageSpan stage : turn.stages()) {
      SpanContext ctx = SpanContext.create(turn.traceId(), stage.spanId(), TraceFlags.getSampled(),
          TraceState.getDefault());
      spans.add(new TurnSpan(stage.stage().wireName(), ctx, root, stage.startEpochNanos(), stage.endEpochNanos(),
          shared.toBuilder().put("value_ms", stage.valueMs()).build(), List.of(), resource));
    }
    return spans;
  }

  /** A finished span whose ids and times are given. */
  record TurnSpan(String name, SpanContext context, SpanContext parent, long start, long end, Attributes attributes,
                  List<EventData> events, Resource resource) implements SpanData {
    @Override public String getName() { return name; }
    @Override public SpanKind getKind() { return SpanKind.INTERNAL; }
    @Override public SpanContext getSpanContext() { return context; }
    @Override public SpanContext getParentSpanContext() { return parent; }
    @Override public StatusData getStatus() { return StatusData.unset(); }
    @Override public long getStartEpochNanos() { return start; }
    @Override public Attributes getAttributes() { return attributes; }
    @Override public List<EventData> getEvents() { return events; }
    @Override public List<LinkData> getLinks() { return List.of(); }
    @Override public long getEndEpochNanos() { return end; }
    @Override public boolean hasEnded() { return true; }
    @Override public int getTotalRecordedEvents() { return events.size(); }
    @Override public int getTotalRecordedLinks() { return 0; }
    @Override public int getTotalAttributeCount() { return attributes.size(); }
    @Override public InstrumentationScopeInfo getInstrumentationScopeInfo() { return SCOPE; }
    @Override public Resource getResource() { return resource; }

    @Override
    @SuppressWarnings("deprecation")
    public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
      return InstrumentationLibraryInfo.create(SCOPE.getName(), null);
    }
  }
}
