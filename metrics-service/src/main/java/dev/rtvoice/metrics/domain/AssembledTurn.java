package dev.rtvoice.metrics.domain;

import java.util.List;
import java.util.Map;

/**
 * One voice turn put together from its latency samples and session events, ready to become a trace:
 * a root span for the turn, a span per stage, the interrupt and recovery as events.
 *
 * @param traceId 32 hex digits, derived from (session, turn) only ({@link TurnTraceIds})
 * @param rootSpanId 16 hex digits
 * @param platform the platform label of the first sample that had one
 * @param model the model of the first sample that had one, or null
 * @param complete whether its {@code full_turn} sample arrived (otherwise it was exported after the quiet timeout)
 */
public record AssembledTurn(String sessionId, long turn, String traceId, String rootSpanId, String platform,
                            String model, List<StageSpan> stages, List<TurnEvent> events, boolean complete) {
  /** One stage: it ended at the sample's {@code occurred_at} and lasted {@code value_ms}. */
  public record StageSpan(Stage stage, String spanId, long startEpochNanos, long endEpochNanos, double valueMs) {}

  /** A session event of the turn (interrupted, interrupt_recovered, ...), at its event time. */
  public record TurnEvent(String name, long epochNanos, Map<String, String> attributes) {}

  public AssembledTurn {
    stages = List.copyOf(stages);
    events = List.copyOf(events);
  }

  /** The root span starts with the earliest stage or event. */
  public long startEpochNanos() {
    long start = Long.MAX_VALUE;
    for (StageSpan s : stages) {
      start = Math.min(start, s.startEpochNanos());
    }
    for (TurnEvent e : events) {
      start = Math.min(start, e.epochNanos());
    }
    return start;
  }

  /** The root span ends with the latest stage or event. */
  public long endEpochNanos() {
    long end = Long.MIN_VALUE;
    for (StageSpan s : stages) {
      end = Math.max(end, s.endEpochNanos());
    }
    for (TurnEvent e : events) {
      end = Math.max(end, e.epochNanos());
    }
    return end;
  }
}
