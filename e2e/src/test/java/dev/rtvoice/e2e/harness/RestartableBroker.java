package dev.rtvoice.e2e.harness;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.ChildProcessKafkaBroker;
import dev.rtvoice.broker.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The child-process KRaft broker of a fault test: it keeps its data folder (and so its ports), so that
 * after a SIGKILL it starts again on the same log dirs, as an operator's broker would after a crash.
 * The folder is emptied when the run starts, never reused across runs.
 */
public final class RestartableBroker implements KafkaBroker {
  private final BrokerOptions options;
  private ChildProcessKafkaBroker current;
  private final String bootstrapServers;

  private RestartableBroker(BrokerOptions options) {
    this.options = options;
    this.current = ChildProcessKafkaBroker.start(options);
    this.bootstrapServers = current.bootstrapServers();
  }

  /** A new broker whose data lives in {@code dataDir} (deleted first). */
  public static RestartableBroker start(Path dataDir) {
    try {
      Dirs.deleteRecursively(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot empty " + dataDir, e);
    }
    return new RestartableBroker(BrokerOptions.persistent(dataDir, 0, 0));
  }

  /** SIGKILL: no controlled shutdown, no flush; the log is recovered at the next start. */
  public synchronized void kill() {
    if (current == null) {
      throw new IllegalStateException("the broker is not running");
    }
    ProcessHandle.of(current.pid()).ifPresent(p -> {
      p.destroyForcibly();
      try {
        p.onExit().get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("the broker (pid " + current.pid() + ") did not die after SIGKILL", e);
      }
    });
    // the dead process' handle only unregisters its shutdown hook now; its data folder is kept
    current.close();
    current = null;
  }

  /** Starts the broker again on its data and ports; returns once it answers metadata requests. */
  public synchronized void restart() {
    if (current != null) {
      throw new IllegalStateException("the broker is running");
    }
    current = ChildProcessKafkaBroker.start(options);
    if (!current.bootstrapServers().equals(bootstrapServers)) {
      throw new IllegalStateException("the broker came back on " + current.bootstrapServers() + ", not "
          + bootstrapServers);
    }
  }

  public synchronized boolean running() {
    return current != null;
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public synchronized String description() {
    return current == null ? "killed broker at " + bootstrapServers : current.description();
  }

  @Override
  public synchronized void close() {
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
