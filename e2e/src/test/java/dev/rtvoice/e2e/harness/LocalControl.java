package dev.rtvoice.e2e.harness;

import dev.rtvoice.common.testing.Http;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs each service from its packaged jar, as users do ({@code java -jar <module>/target/<module>.jar}). */
final class LocalControl implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path root;
  private final Path logDir;
  private final Map<String, Map<String, String>> envs;
  private final Map<String, ManagedProcess> running = new LinkedHashMap<>();
  private final List<Path> logs = new ArrayList<>();
  private int generation;

  LocalControl(Path root, Path logDir, Map<String, Map<String, String>> envs, Map<String, Integer> ports) {
    this.root = root;
    this.logDir = logDir;
    this.envs = envs;
  }

  synchronized void start(String name) {
    Path jar = root.resolve(name).resolve("target").resolve(name + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run the tests through `mvn verify` (it packages every "
          + "module before e2e runs)");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // a restarted process logs to a new file, so that the sweep reads what every incarnation wrote
    String logName = running.containsKey(name) || logs.stream().anyMatch(l -> l.getFileName().toString()
        .startsWith(name + ".")) ? name + "." + (++generation) : name;
    // C1 only, as every other test child here: six fresh JVMs on 2 cores otherwise spend their first
    // minutes with both compiler threads busy (measured on token-service: ~10 s of JIT per 10 s at 500/s)
    ManagedProcess process = new ManagedProcess(logName, List.of(java, "-Xmx384m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-jar", jar.toString()), envs.get(name), logDir).start();
    running.put(name, process);
    logs.add(process.log());
  }

  void awaitReady(String name, String url) {
    try {
      Http.awaitOk(url + "/health/ready", READY_TIMEOUT);
    } catch (AssertionError | RuntimeException e) {
      ManagedProcess p = running.get(name);
      throw new IllegalStateException(name + " was not ready within " + READY_TIMEOUT + "; its log ends with:\n"
          + (p == null ? "(not running)" : p.tail(40)), e);
    }
  }

  synchronized void kill(String name) {
    ManagedProcess p = running.remove(name);
    if (p == null) {
      throw new IllegalStateException(name + " is not running");
    }
    p.kill();
  }

  synchronized List<String> logs() {
    List<String> lines = new ArrayList<>();
    for (Path log : logs) {
      try {
        if (Files.exists(log)) {
          lines.addAll(Files.readAllLines(log, StandardCharsets.ISO_8859_1));
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return lines;
  }

  @Override
  public synchronized void close() {
    List<String> names = new ArrayList<>(running.keySet());
    java.util.Collections.reverse(names);
    for (String name : names) {
      running.remove(name).stop();
    }
  }
}
