package dev.rtvoice.e2e.bench;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the load generator asked for and what it got, per kind of request: every attempt's answer
 * by status (so each 429 and 503 is seen, also when a retry then succeeded), connection errors and
 * timeouts, retries, what was scheduled but not sent (a session's backlog), and the answer time of
 * each attempt in 1 ms buckets. Written from the generator's event loop, read from any thread.
 */
final class LoadStats {
  enum Kind {
    ISSUE("token: issue"), ROTATE("token: rotate"), EVENTS("session: events"), INTERRUPT("session: interrupt"),
    RECOVER("session: recover"),
    TELEMETRY("metrics: telemetry");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  private static final int MAX_MS = 30_000;

  private final Map<Kind, PerKind> kinds = new ConcurrentHashMap<>();
  /** The first body of each (kind, status) that was not 2xx, to say why. */
  private final Map<String, String> examples = new ConcurrentHashMap<>();
  /** Samples metrics-service rejected, by its reason. */
  private final Map<String, LongAdder> rejections = new ConcurrentHashMap<>();
  /** Client events carried by requests answered 2xx, and latency samples accepted by metrics-service. */
  final LongAdder eventsAccepted = new LongAdder();
  final LongAdder samplesAccepted = new LongAdder();
  final LongAdder samplesRejected = new LongAdder();
  final LongAdder samplesDroppedByClient = new LongAdder();

  private static final class PerKind {
    final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    final LongAdder connectionErrors = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder succeeded = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder skipped = new LongAdder();
    final AtomicLongArray latency = new AtomicLongArray(MAX_MS + 1);
  }

  private PerKind of(Kind kind) {
    return kinds.computeIfAbsent(kind, k -> new PerKind());
  }

  void answered(Kind kind, int status, long tookMs, String body) {
    if (status < 200 || status >= 300) {
      examples.putIfAbsent(kind.label + " " + status,
          body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "..." : body);
    }
    PerKind k = of(kind);
    k.byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
    k.latency.incrementAndGet((int) Math.min(MAX_MS, Math.max(0, tookMs)));
  }

  void connectionError(Kind kind, String message) {
    examples.putIfAbsent(kind.label + " connection error", String.valueOf(message));
    of(kind).connectionErrors.increment();
  }

  void rejected(String reason) {
    rejections.computeIfAbsent(String.valueOf(reason), r -> new LongAdder()).increment();
  }

  /** Samples rejected by reason. */
  Map<String, Long> rejections() {
    Map<String, Long> out = new TreeMap<>();
    rejections.forEach((r, n) -> out.put(r, n.sum()));
    return out;
  }

  /** The first answer of each kind and status that was not 2xx. */
  Map<String, String> examples() {
    return new TreeMap<>(examples);
  }

  void retried(Kind kind) {
    of(kind).retries.increment();
  }

  /** The final outcome of one logical request (after its retries). */
  void finished(Kind kind, boolean success) {
    (success ? of(kind).succeeded : of(kind).failed).increment();
  }

  /** A request the schedule called for but the session could not send (its earlier ones still pending). */
  void skipped(Kind kind) {
    of(kind).skipped.increment();
  }

  long succeeded(Kind kind) {
    return of(kind).succeeded.sum();
  }

  long failed(Kind kind) {
    return of(kind).failed.sum();
  }

  /** Attempts answered with this status, over every kind. */
  long withStatus(int status) {
    return kinds.values().stream().mapToLong(k -> k.byStatus.getOrDefault(status, new LongAdder()).sum()).sum();
  }

  long connectionErrors() {
    return kinds.values().stream().mapToLong(k -> k.connectionErrors.sum()).sum();
  }

  /** A table: one line per kind, over {@code seconds} of load. */
  String table(double seconds) {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-20s %9s %8s %8s %7s %7s %6s %8s %8s  %s%n",
        "requests", "ok", "ok/s", "failed", "retries", "skipped", "conn", "p50 ms", "p99 ms", "answers by status"));
    for (Kind kind : Kind.values()) {
      PerKind k = kinds.get(kind);
      if (k == null) {
        continue;
      }
      Map<Integer, Long> statuses = new TreeMap<>();
      k.byStatus.forEach((s, n) -> statuses.put(s, n.sum()));
      out.append(String.format(Locale.ROOT, "%-20s %9d %8.1f %8d %7d %7d %6d %8d %8d  %s%n", kind.label,
          k.succeeded.sum(), k.succeeded.sum() / seconds, k.failed.sum(), k.retries.sum(), k.skipped.sum(),
          k.connectionErrors.sum(), percentile(k.latency, 0.50), percentile(k.latency, 0.99), statuses));
    }
    return out.toString();
  }

  private static long percentile(AtomicLongArray counts, double q) {
    long total = 0;
    for (int i = 0; i < counts.length(); i++) {
      total += counts.get(i);
    }
    if (total == 0) {
      return -1;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length(); i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return i;
      }
    }
    return MAX_MS;
  }
}
