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

  private StackMain() {}

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
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("stopping the suite...");
      stack.close();
      System.out.println("stopped.");
    }, "stack-shutdown"));

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
