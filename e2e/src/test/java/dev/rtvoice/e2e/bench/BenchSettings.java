package dev.rtvoice.e2e.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The run's parameters: {@code --name value} arguments, else {@code -Dbench.name=value} system
 * properties, else the production-scale defaults. {@code --sessions 200} is the smoke run.
 *
 * @param sessions concurrent simulated sessions (2,000)
 * @param instances processes of each service (2)
 * @param baselineSeconds first-audio median 700 ms this long, then 1,100 ms (60)
 * @param seed the sample values' generator (42)
 * @param turnSeconds a turn per session this often (4: about 2.2 client events a second)
 * @param telemetrySeconds a telemetry batch per session this often (5)
 * @param interruptEvery the user barges into every n-th turn (5)
 * @param connections HTTP connections of the load generator to each service instance (64)
 */
record BenchSettings(int sessions, int instances, int baselineSeconds, long seed, double turnSeconds,
                     double telemetrySeconds, int interruptEvery, int connections) {
  private static final Map<String, String> DEFAULTS = defaults();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("sessions", "2000");
    d.put("instances", "2");
    d.put("baseline", "60");
    d.put("seed", "42");
    d.put("turn-seconds", "4");
    d.put("telemetry-seconds", "5");
    d.put("interrupt-every", "5");
    d.put("connections", "64");
    return d;
  }

  static BenchSettings parse(String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    DEFAULTS.forEach((name, value) -> values.put(name, System.getProperty("bench." + name, value)));
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'; use --name value with a name of "
            + DEFAULTS.keySet());
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException(arg + " needs a value");
      }
      if (!DEFAULTS.containsKey(name)) {
        throw new IllegalArgumentException("unknown option --" + name + "; known: " + DEFAULTS.keySet());
      }
      values.put(name, value);
    }
    BenchSettings s = new BenchSettings(positive(values, "sessions"), positive(values, "instances"),
        positive(values, "baseline"), Long.parseLong(values.get("seed")), seconds(values, "turn-seconds"),
        seconds(values, "telemetry-seconds"), positive(values, "interrupt-every"), positive(values, "connections"));
    if (s.turnSeconds() < 2) {
      throw new IllegalArgumentException("--turn-seconds must be at least 2 (a turn's events span about 1 s)");
    }
    return s;
  }

  SessionLoad.Settings load() {
    return new SessionLoad.Settings(sessions, turnSeconds, telemetrySeconds, interruptEvery, connections);
  }

  private static int positive(Map<String, String> values, String name) {
    int v;
    try {
      v = Integer.parseInt(values.get(name));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a whole number, got '" + values.get(name) + "'");
    }
    if (v < 1) {
      throw new IllegalArgumentException("--" + name + " must be at least 1, got " + v);
    }
    return v;
  }

  private static double seconds(Map<String, String> values, String name) {
    double v;
    try {
      v = Double.parseDouble(values.get(name));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a number of seconds, got '" + values.get(name) + "'");
    }
    if (!(v > 0 && v <= 60)) {
      throw new IllegalArgumentException("--" + name + " must be within (0, 60] seconds, got " + v);
    }
    return v;
  }
}
