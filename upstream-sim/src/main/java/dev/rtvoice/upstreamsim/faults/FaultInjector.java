package dev.rtvoice.upstreamsim.faults;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Optional;

/**
 * What the admin API asked the simulator to get wrong: the next N calls of an endpoint fail with a
 * status (each queued fault is used once, in order), added latency on every call, secrets that
 * expire earlier than asked, and a model that takes longer to answer. Event-loop confined.
 */
public final class FaultInjector {
  private final Deque<Fault> queued = new ArrayDeque<>();
  private long httpLatencyMs;
  private Duration responseLatency;
  private Integer secretTtlOverrideSeconds;

  public FaultInjector(Duration responseLatency) {
    this.responseLatency = responseLatency;
  }

  public void enqueue(Fault fault, int count) {
    for (int i = 0; i < count; i++) {
      queued.add(fault);
    }
  }

  /** Takes the next queued fault that hits this endpoint, if any. */
  public Optional<Fault> next(String endpoint) {
    for (Iterator<Fault> it = queued.iterator(); it.hasNext(); ) {
      Fault fault = it.next();
      if (fault.hits(endpoint)) {
        it.remove();
        return Optional.of(fault);
      }
    }
    return Optional.empty();
  }

  public int pending() {
    return queued.size();
  }

  public long httpLatencyMs() {
    return httpLatencyMs;
  }

  public void httpLatencyMs(long ms) {
    this.httpLatencyMs = ms;
  }

  public Duration responseLatency() {
    return responseLatency;
  }

  public void responseLatency(Duration latency) {
    this.responseLatency = latency;
  }

  public Optional<Integer> secretTtlOverrideSeconds() {
    return Optional.ofNullable(secretTtlOverrideSeconds);
  }

  public void secretTtlOverrideSeconds(Integer seconds) {
    this.secretTtlOverrideSeconds = seconds;
  }

  public void reset(Duration defaultResponseLatency) {
    queued.clear();
    httpLatencyMs = 0;
    responseLatency = defaultResponseLatency;
    secretTtlOverrideSeconds = null;
  }
}
