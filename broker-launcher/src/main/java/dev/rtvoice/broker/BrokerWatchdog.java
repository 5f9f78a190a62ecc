package dev.rtvoice.broker;

import java.io.InputStream;
import java.lang.reflect.Method;

/**
 * The main class of the child broker JVM. It runs {@code kafka.Kafka} and exits when its parent goes
 * away, however the parent ends: on a normal exit or a SIGKILL the parent's end of our stdin pipe is
 * closed by the kernel, which we see as end-of-file; the parent's process handle is watched as well.
 *
 * <p>This class is copied on its own onto the broker's classpath (the broker must not see the
 * suite's classpath), so it may use nothing but the JDK and must stay a single class file: lambdas
 * only, no nested classes.
 */
public final class BrokerWatchdog {
  private BrokerWatchdog() {}

  /** Arguments: the parent's pid, then the arguments of {@code kafka.Kafka}. */
  public static void main(String[] args) throws Exception {
    long parentPid = Long.parseLong(args[0]);
    String[] kafkaArgs = new String[args.length - 1];
    System.arraycopy(args, 1, kafkaArgs, 0, kafkaArgs.length);

    Thread stdinWatch = new Thread(() -> {
      InputStream in = System.in;
      byte[] buffer = new byte[64];
      try {
        while (in.read(buffer) >= 0) {
          // the parent never writes; anything read is ignored
        }
      } catch (Exception ignored) {
        // a broken pipe means the same as end-of-file
      }
      exitBecauseParentIsGone("stdin closed");
    }, "parent-stdin-watch");
    stdinWatch.setDaemon(true);
    stdinWatch.start();

    ProcessHandle.of(parentPid).ifPresentOrElse(
        parent -> parent.onExit().thenRun(() -> exitBecauseParentIsGone("parent " + parentPid + " exited")),
        () -> exitBecauseParentIsGone("parent " + parentPid + " not found"));

    // a terminal's Ctrl-C reaches the whole process group, this child too: the parent stops the broker
    // itself (SIGTERM) once its services have left it, or the watches above do when the parent is gone
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> { });
    } catch (IllegalArgumentException alreadyIgnored) {
      // SIGINT ignored from the start (a background job): nothing to do
    }

    Class<?> kafka = Class.forName("kafka.Kafka");
    Method main = kafka.getMethod("main", String[].class);
    main.invoke(null, (Object) kafkaArgs);
  }

  private static void exitBecauseParentIsGone(String why) {
    System.err.println("broker watchdog: " + why + ", shutting the broker down");
    // a controlled shutdown first; if it hangs, halt so that no broker ever outlives its parent
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(15_000);
      } catch (InterruptedException ignored) {
        // halting now
      }
      Runtime.getRuntime().halt(1);
    }, "watchdog-halt");
    halt.setDaemon(true);
    halt.start();
    System.exit(0);
  }
}
