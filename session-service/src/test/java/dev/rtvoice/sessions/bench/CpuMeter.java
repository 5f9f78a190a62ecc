package dev.rtvoice.sessions.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * CPU time spent by this JVM and by its child processes (the broker), between two readings: what a
 * phase of a benchmark cost, whatever else runs on the machine. On a machine shared with other builds
 * the wall-clock rates move with their load; the CPU per unit of work does not, or much less.
 */
final class CpuMeter {
  private final long jvmNs;
  private final long childrenNs;

  private CpuMeter(long jvmNs, long childrenNs) {
    this.jvmNs = jvmNs;
    this.childrenNs = childrenNs;
  }

  static CpuMeter now() {
    long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
    long children = ProcessHandle.current().descendants()
        .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    return new CpuMeter(jvm, children);
  }

  /** "JVM x ms, broker y ms per 1,000 {unit}" since {@code before}; returns the total ms per 1,000. */
  double report(CpuMeter before, long units, String unit, String label) {
    double jvm = (jvmNs - before.jvmNs) / 1e6 / units * 1000;
    double broker = (childrenNs - before.childrenNs) / 1e6 / units * 1000;
    System.out.printf("%s CPU per 1,000 %s: this JVM %.1f ms, broker %.1f ms, together %.1f ms%n", label, unit, jvm,
        broker, jvm + broker);
    return jvm + broker;
  }
}
