package dev.rtvoice.metrics.domain;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/** The sliding views the service answers for: merges of the buckets of their last minutes. */
public enum ViewWindow {
  M1("1m", Duration.ofMinutes(1)),
  M5("5m", Duration.ofMinutes(5)),
  M15("15m", Duration.ofMinutes(15)),
  H1("1h", Duration.ofHours(1));

  private final String wireName;
  private final Duration length;

  ViewWindow(String wireName, Duration length) {
    this.wireName = wireName;
    this.length = length;
  }

  public String wireName() {
    return wireName;
  }

  public Duration length() {
    return length;
  }

  /** The longest view: how much history the cluster view keeps. */
  public static Duration longest() {
    return H1.length;
  }

  public static Optional<ViewWindow> fromWireName(String name) {
    return Arrays.stream(values()).filter(v -> v.wireName.equals(name)).findFirst();
  }
}
