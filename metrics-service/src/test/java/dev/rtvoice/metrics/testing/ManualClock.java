package dev.rtvoice.metrics.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests move by hand, so hours of event time replay in milliseconds. Thread-safe. */
public final class ManualClock extends Clock {
  private volatile long millis;

  public ManualClock(Instant start) {
    this.millis = start.toEpochMilli();
  }

  public static ManualClock at(long epochMillis) {
    return new ManualClock(Instant.ofEpochMilli(epochMillis));
  }

  public void set(long epochMillis) {
    millis = epochMillis;
  }

  public void advance(Duration d) {
    millis += d.toMillis();
  }

  @Override
  public long millis() {
    return millis;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
