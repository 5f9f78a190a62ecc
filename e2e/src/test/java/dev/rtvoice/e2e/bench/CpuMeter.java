package dev.rtvoice.e2e.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time (user + system) each process used, from {@code /proc/<pid>/stat} through
 * {@link ProcessHandle.Info#totalCpuDuration()}: a snapshot before and after the measured stretch,
 * and the difference. A process whose time cannot be read (gone, or another user's) reads as -1.
 */
final class CpuMeter {
  private CpuMeter() {}

  /** CPU milliseconds per name; -1 where unreadable. */
  static Map<String, Long> snapshot(Map<String, Long> pids) {
    Map<String, Long> cpu = new LinkedHashMap<>();
    pids.forEach((name, pid) -> cpu.put(name, ProcessHandle.of(pid)
        .flatMap(p -> p.info().totalCpuDuration()).map(Duration::toMillis).orElse(-1L)));
    return cpu;
  }

  /** Each process's CPU milliseconds from {@code before} to {@code after}; -1 where either is unreadable. */
  static Map<String, Long> used(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> used = new LinkedHashMap<>();
    before.forEach((name, b) -> {
      Long a = after.get(name);
      used.put(name, b < 0 || a == null || a < 0 ? -1 : a - b);
    });
    return used;
  }
}
