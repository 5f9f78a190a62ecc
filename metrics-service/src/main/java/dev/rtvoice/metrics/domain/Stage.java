package dev.rtvoice.metrics.domain;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The stages a voice turn's latency is split into, plus the two end-to-end figures. Clients measure
 * all but {@link #INFERENCE}, which session-service measures between the upstream's events.
 */
public enum Stage {
  CAPTURE("capture", true),
  UPLINK("uplink", true),
  INFERENCE("inference", false),
  DOWNLINK("downlink", true),
  PLAYBACK("playback", true),
  FIRST_AUDIO("first_audio", true),
  FULL_TURN("full_turn", true);

  /** Prefix of the metric name of a stage on {@code realtime.metrics.windows}. */
  public static final String METRIC_PREFIX = "latency.";

  private static final Map<String, Stage> BY_WIRE_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(Stage::wireName, Function.identity()));
  private static final List<Stage> ALL = List.of(values());

  private final String wireName;
  private final boolean clientReported;
  private final String metricName;

  Stage(String wireName, boolean clientReported) {
    this.wireName = wireName;
    this.clientReported = clientReported;
    this.metricName = METRIC_PREFIX + wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** Whether clients report this stage over {@code POST /v1/telemetry}. */
  public boolean clientReported() {
    return clientReported;
  }

  /** {@code latency.<stage>}: the metric name of its panes. */
  public String metricName() {
    return metricName;
  }

  public static List<Stage> all() {
    return ALL;
  }

  public static Optional<Stage> fromWireName(String name) {
    return Optional.ofNullable(name == null ? null : BY_WIRE_NAME.get(name));
  }

  public static Optional<Stage> fromMetricName(String metric) {
    if (metric == null || !metric.startsWith(METRIC_PREFIX)) {
      return Optional.empty();
    }
    return fromWireName(metric.substring(METRIC_PREFIX.length()));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
