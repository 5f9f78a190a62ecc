package dev.rtvoice.stack;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.tokens.config.DevIdentity;
import java.time.Duration;
import java.util.Map;

/**
 * {@code java -jar stack/target/stack.jar}: the whole suite on this machine, with a real Kafka broker
 * it starts itself. Prints each URL once everything is ready; Ctrl-C stops everything gracefully.
 */
public final class StackMain {
  static final String DEV_USER = "dev-user";
  static final Duration DEV_USER_TOKEN_TTL = Duration.ofHours(12);

  private static boolean stopped;

  private StackMain() {}

  /**
   * Ctrl-C and SIGTERM stop the suite in order before the JVM exits: JVM shutdown hooks run all at
   * once, and the broker's would stop it while the services still use it. The broker ignores the
   * Ctrl-C a terminal sends to the whole process group (see its watchdog) and is stopped last here.
   */
  private static void stopOnSignals(StackLauncher stack) {
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
          stop(stack);
          System.exit(0);
        });
      } catch (IllegalArgumentException notAvailable) {
        // the signal is reserved here (or ignored, as SIGINT in a background job): the hook stops the suite
      }
    }
  }

  private static synchronized void stop(StackLauncher stack) {
    if (stopped) {
      return;
    }
    stopped = true;
    System.out.println("stopping the suite...");
    stack.close();
    System.out.println("stopped.");
  }

  public static void main(String[] args) {
    Env env = Env.system();
    StackConfig config;
    try {
      config = StackConfig.fromEnv(env);
    } catch (ConfigException e) {
      System.err.println("cannot start: " + e.getMessage());
      System.exit(2);
      return;
    }
    long started = System.nanoTime();
    StackLauncher stack;
    try {
      stack = StackLauncher.start(config, env);
    } catch (RuntimeException e) {
      System.err.println("the suite failed to start: " + e.getMessage());
      System.exit(1);
      return;
    }
    stopOnSignals(stack);
    // any other exit: the JVM's hooks run concurrently (the broker's own among them), so order is not kept
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(stack), "stack-shutdown"));

    StringBuilder out = new StringBuilder();
    out.append("\nRealtime voice control plane is up in ")
        .append((System.nanoTime() - started) / 1_000_000).append(" ms\n");
    out.append("  kafka             ").append(stack.broker().description()).append('\n');
    for (Map.Entry<String, String> url : stack.urls().entrySet()) {
      out.append(String.format("  %-17s %s%n", url.getKey(), url.getValue()));
    }
    out.append(stack.usingSimulator()
        ? "  upstream          the local simulator (set OPENAI_API_KEY to use the real OpenAI API)\n"
        : "  upstream          the real OpenAI API\n");
    if (env.bool("DEV_MODE", true)) {
      // the development identity provider's token, so the console's client and curl work at once
      out.append("  user token        ").append(DevIdentity.mintUserToken(DEV_USER, DEV_USER_TOKEN_TTL))
          .append("  (development identity, user ").append(DEV_USER).append(", valid ")
          .append(DEV_USER_TOKEN_TTL.toHours()).append(" h)\n");
    }
    out.append("Press Ctrl-C to stop everything.\n");
    out.append("SUITE READY\n");
    System.out.print(out);
    System.out.flush();
  }
}
