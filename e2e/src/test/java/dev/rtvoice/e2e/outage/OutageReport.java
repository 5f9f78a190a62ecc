package dev.rtvoice.e2e.outage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a fault run measured (timings, volumes) and the verdict of every exactly-once check. */
final class OutageReport {
  /**
   * One check: what the clients were answered (or the truth on the source topic) against what the
   * outputs hold.
   *
   * @param lost how many answered items are missing from the output
   * @param doubled how many are there more than once
   */
  record Check(String name, long expected, long actual, long lost, long doubled, String detail) {
    boolean passed() {
      return lost == 0 && doubled == 0 && expected == actual;
    }

    static Check count(String name, long expected, long actual, String detail) {
      return new Check(name, expected, actual, Math.max(0, expected - actual), Math.max(0, actual - expected), detail);
    }
  }

  private final Map<String, String> figures = new LinkedHashMap<>();
  private final List<Check> checks = new ArrayList<>();

  synchronized void figure(String name, Object value) {
    figures.put(name, String.valueOf(value));
  }

  synchronized void check(Check check) {
    checks.add(check);
  }

  synchronized List<Check> checks() {
    return List.copyOf(checks);
  }

  synchronized List<Check> failed() {
    return checks.stream().filter(c -> !c.passed()).toList();
  }

  synchronized long lost() {
    return checks.stream().mapToLong(Check::lost).sum();
  }

  synchronized long doubled() {
    return checks.stream().mapToLong(Check::doubled).sum();
  }

  synchronized String render() {
    StringBuilder out = new StringBuilder("\n==== outage fault run ====\n");
    figures.forEach((k, v) -> out.append(String.format("%-58s %s%n", k, v)));
    out.append(String.format("%n%-6s %-58s %10s %10s %6s %8s%n", "", "check", "expected", "actual", "lost",
        "doubled"));
    for (Check c : checks) {
      out.append(String.format("%-6s %-58s %10d %10d %6d %8d%s%n", c.passed() ? "ok" : "FAILED", c.name(),
          c.expected(), c.actual(), c.lost(), c.doubled(), c.detail().isEmpty() ? "" : "  (" + c.detail() + ")"));
    }
    out.append(String.format("%nRESULT lost %d, doubled %d, %d of %d checks failed%n", lost(), doubled(),
        failed().size(), checks.size()));
    return out.toString();
  }
}
