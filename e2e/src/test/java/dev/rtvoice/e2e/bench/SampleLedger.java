package dev.rtvoice.e2e.bench;

import dev.rtvoice.e2e.bench.ExactRule.Sample;
import java.util.ArrayList;
import java.util.List;

/**
 * Every first-audio sample the clients measured, with its event time and the moment its batch was
 * first sent: the truth both systems are judged against, whatever either of them then did with it.
 * Each is observed by system B's exporter at that moment, so B has the data when A is sent it.
 * Rotation failures the suite answered go to B's counter too.
 */
final class SampleLedger implements SessionLoad.FirstAudioSink {
  private record Accepted(long occurredAtMs, long sentAtMs, double valueMs) {}

  private final ClassicHistogramExporter exporter;
  private final List<Accepted> accepted = new ArrayList<>();
  private long rotationFailures;

  SampleLedger(ClassicHistogramExporter exporter) {
    this.exporter = exporter;
  }

  @Override
  public void sent(long occurredAtMs, long sentAtMs, double valueMs) {
    synchronized (this) {
      accepted.add(new Accepted(occurredAtMs, sentAtMs, valueMs));
    }
    exporter.observe(valueMs);
  }

  @Override
  public void rotationFailed() {
    synchronized (this) {
      rotationFailures++;
    }
    exporter.rotationFailed();
  }

  synchronized long rotationFailures() {
    return rotationFailures;
  }

  synchronized int size() {
    return accepted.size();
  }

  /** The samples at their event time. */
  synchronized List<Sample> byEventTime() {
    return accepted.stream().map(a -> new Sample(a.occurredAtMs(), a.valueMs())).toList();
  }

  /** The samples at the moment their batch was sent: when a system could first have them. */
  synchronized List<Sample> bySendTime() {
    return accepted.stream().map(a -> new Sample(a.sentAtMs(), a.valueMs())).toList();
  }

  /** The samples sent by {@code atMs}, at their event time: what a system could know then. */
  synchronized List<Sample> knownBy(long atMs) {
    List<Sample> known = new ArrayList<>();
    for (Accepted a : accepted) {
      if (a.sentAtMs() <= atMs) {
        known.add(new Sample(a.occurredAtMs(), a.valueMs()));
      }
    }
    return known;
  }
}
