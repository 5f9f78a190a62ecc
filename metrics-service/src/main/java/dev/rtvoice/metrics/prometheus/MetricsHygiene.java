package dev.rtvoice.metrics.prometheus;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * Removes the three JVM meters whose Prometheus names fail {@code promtool check metrics}
 * ({@code jvm_compilation_time_ms_total} and {@code process_cpu_time_ns_total}: abbreviated units;
 * {@code system_cpu_count}: a gauge ending in {@code _count}). They come from the binders common's
 * ServiceRuntime enables; removing them from this service's own registry leaves every other meter,
 * and every other service, alone. (The lead is asked to rename them in common instead.)
 */
public final class MetricsHygiene {
  static final List<String> LINT_FAILING = List.of("jvm.compilation.time", "process.cpu.time", "system.cpu.count");

  private MetricsHygiene() {}

  public static void apply(MeterRegistry registry) {
    for (String name : LINT_FAILING) {
      for (Meter meter : registry.find(name).meters()) {
        registry.remove(meter);
      }
    }
  }
}
