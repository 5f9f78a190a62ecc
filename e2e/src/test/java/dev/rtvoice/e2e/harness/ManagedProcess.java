package dev.rtvoice.e2e.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A process the harness started: its output goes to a log file (read later by the secret sweep),
 * its stdin stays open so that it can exit with us ({@code EXIT_WITH_PARENT}), and every instance is
 * stopped by a JVM shutdown hook if a test forgets to.
 */
public final class ManagedProcess {
  private static final List<ManagedProcess> ALL = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> ALL.forEach(ManagedProcess::stop), "e2e-processes-stop"));
  }

  private final String name;
  private final List<String> command;
  private final Map<String, String> env;
  private final Path log;
  private Process process;

  public ManagedProcess(String name, List<String> command, Map<String, String> env, Path logDir) {
    this.name = name;
    this.command = List.copyOf(command);
    this.env = Map.copyOf(env);
    this.log = logDir.resolve(name + ".log");
  }

  public synchronized ManagedProcess start() {
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(env);
      builder.environment().put("EXIT_WITH_PARENT", "true");
      process = builder.start();
      ALL.add(this);
      return this;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  public String name() {
    return name;
  }

  public Path log() {
    return log;
  }

  public synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  public synchronized long pid() {
    return process.pid();
  }

  /** Closes its stdin (it stops gracefully), SIGTERM if it lingers, SIGKILL as a last resort. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    List<ProcessHandle> descendants = process.descendants().toList();
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already closed
    }
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      for (ProcessHandle child : descendants) {
        if (child.isAlive()) {
          child.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    ALL.remove(this);
    process = null;
  }

  /** SIGKILL: no shutdown hook, no flush, no commit (the crash a test wants). */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ALL.remove(this);
    process = null;
  }

  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
