package dev.rtvoice.metrics.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.metrics.domain.TurnTraceIds;
import dev.rtvoice.metrics.testing.ServiceUnderTest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Turn traces from real samples and session events on the real broker, exported over OTLP/HTTP to
 * a real receiver: a Vert.x server in the test decoding {@code /v1/traces} with the OpenTelemetry
 * protobuf classes. A turn is one trace (id from session and turn), a root span {@code turn} with a
 * child per stage timed from occurred_at and value_ms, the interrupt and its recovery as events.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TurnTracesIT {
  private Vertx vertx;
  private HttpServer receiver;
  private final ConcurrentLinkedQueue<Span> received = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> serviceNames = new ConcurrentLinkedQueue<>();

  @BeforeEach
  void startReceiver() throws Exception {
    vertx = Vertx.vertx();
    receiver = vertx.createHttpServer().requestHandler(req -> {
      if (!req.path().equals("/v1/traces")) {
        req.response().setStatusCode(404).end();
        return;
      }
      req.body().onSuccess(body -> {
        try {
          ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body.getBytes());
          for (ResourceSpans rs : request.getResourceSpansList()) {
            rs.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
                .forEach(a -> serviceNames.add(a.getValue().getStringValue()));
            for (ScopeSpans ss : rs.getScopeSpansList()) {
              received.addAll(ss.getSpansList());
            }
          }
          req.response().putHeader("content-type", "application/x-protobuf")
              .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
        } catch (Exception e) {
          req.response().setStatusCode(400).end();
        }
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopReceiver() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static EventEnvelope event(EventType type, String session, Instant at, JsonObject payload) {
    return EventEnvelope.create(type, session, at, Instant.now(), "test", payload);
  }

  private static JsonObject sample(String stage, double ms, long turn) {
    return new JsonObject().put("stage", stage).put("value_ms", ms).put("turn", turn).put("platform", "web-chrome")
        .put("model", "gpt-realtime");
  }

  private static Map<String, String> attributes(List<KeyValue> kvs) {
    return kvs.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().hasIntValue()
        ? Long.toString(kv.getValue().getIntValue()) : kv.getValue().hasBoolValue()
        ? Boolean.toString(kv.getValue().getBoolValue()) : kv.getValue().hasDoubleValue()
        ? Double.toString(kv.getValue().getDoubleValue()) : kv.getValue().getStringValue()));
  }

  private List<Span> trace(String traceId) {
    return received.stream().filter(s -> HexFormat.of().formatHex(s.getTraceId().toByteArray()).equals(traceId))
        .toList();
  }

  private static Optional<Span> named(List<Span> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst();
  }

  @Test
  void aTurnBecomesATraceWithASpanPerStageAndTheInterruptAsEvents(TestKafka kafka) throws Exception {
    try (ServiceUnderTest service = ServiceUnderTest.start(kafka, Map.of(
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.actualPort(),
        "OTEL_SERVICE_NAME", "rtvoice-test", "TRACE_QUIET_TIMEOUT", "2s"))) {
      String sessions = kafka.topicPrefix() + "realtime.session.events";
      String samples = kafka.topicPrefix() + "realtime.latency.samples";
      Instant t0 = Instant.now().minusSeconds(5);
      kafka.produce(sessions, event(EventType.SESSION_PHASE_CHANGED, "s-1", t0, new JsonObject()
          .put("from", "LISTENING").put("to", "THINKING").put("cause", "input_audio_buffer.speech_stopped")
          .put("turn", 1)));
      kafka.produce(samples, event(EventType.LATENCY_SAMPLE, "s-1", t0.plusMillis(100), sample("capture", 100, 1)));
      kafka.produce(samples, event(EventType.LATENCY_SAMPLE, "s-1", t0.plusMillis(700), sample("inference", 450, 1)));
      kafka.produce(sessions, event(EventType.SESSION_INTERRUPTED, "s-1", t0.plusMillis(1_200), new JsonObject()
          .put("interrupt_id", "int_1").put("response_id", "resp_1").put("phase_before", "SPEAKING")
          .put("audio_end_ms", 420)));
      kafka.produce(sessions, event(EventType.SESSION_INTERRUPT_RECOVERED, "s-1", t0.plusMillis(1_300),
          new JsonObject().put("interrupt_id", "int_1").put("duration_ms", 100)));
      kafka.produce(samples, event(EventType.LATENCY_SAMPLE, "s-1", t0.plusMillis(900), sample("first_audio", 900, 1)));
      kafka.produce(samples, event(EventType.LATENCY_SAMPLE, "s-1", t0.plusMillis(1_500), sample("full_turn", 1_500, 1)));
      // a turn whose full_turn never comes: exported after the quiet timeout, marked incomplete
      kafka.produce(samples, event(EventType.LATENCY_SAMPLE, "s-2", t0.plusMillis(80), sample("uplink", 80, 7)));

      String traceId = TurnTraceIds.traceId("s-1", 1);
      Eventually.await("the turn's five spans", () -> trace(traceId).size() == 5, Duration.ofSeconds(30));
      List<Span> spans = trace(traceId);
      Span root = named(spans, "turn").orElseThrow();
      assertThat(root.getParentSpanId().isEmpty()).isTrue();
      assertThat(HexFormat.of().formatHex(root.getSpanId().toByteArray())).isEqualTo(TurnTraceIds.rootSpanId("s-1", 1));
      assertThat(attributes(root.getAttributesList())).containsEntry("session_id", "s-1").containsEntry("turn", "1")
          .containsEntry("platform", "web-chrome").containsEntry("model", "gpt-realtime")
          .containsEntry("turn.complete", "true");
      long ms = 1_000_000L;
      long t0Nanos = t0.toEpochMilli() * ms;
      assertThat(root.getStartTimeUnixNano()).isEqualTo(t0Nanos);
      assertThat(root.getEndTimeUnixNano()).isEqualTo(t0Nanos + 1_500 * ms);
      assertThat(root.getEventsList()).extracting(Span.Event::getName)
          .containsExactly("interrupted", "interrupt_recovered");
      assertThat(root.getEvents(0).getTimeUnixNano()).isEqualTo(t0Nanos + 1_200 * ms);
      assertThat(attributes(root.getEvents(0).getAttributesList())).containsEntry("interrupt_id", "int_1")
          .containsEntry("phase_before", "SPEAKING");
      assertThat(spans).extracting(Span::getName)
          .containsExactlyInAnyOrder("turn", "capture", "inference", "first_audio", "full_turn");
      for (Span stage : spans) {
        if (stage != root) {
          assertThat(stage.getParentSpanId()).as(stage.getName()).isEqualTo(root.getSpanId());
        }
      }
      Span inference = named(spans, "inference").orElseThrow();
      assertThat(inference.getStartTimeUnixNano()).as("ends at occurred_at, lasts value_ms")
          .isEqualTo(t0Nanos + 250 * ms);
      assertThat(inference.getEndTimeUnixNano()).isEqualTo(t0Nanos + 700 * ms);
      assertThat(serviceNames).contains("rtvoice-test");

      String quietId = TurnTraceIds.traceId("s-2", 7);
      Eventually.await("the quiet turn", () -> trace(quietId).size() == 2, Duration.ofSeconds(30));
      assertThat(attributes(named(trace(quietId), "turn").orElseThrow().getAttributesList()))
          .containsEntry("turn.complete", "false").containsEntry("turn", "7");
      assertThat(service.counter("trace_turns_exported_total")).isEqualTo(2);
    }
  }
}
