package dev.rtvoice.common.runtime;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code main} of a deployable service: creates its runtime, deploys it, and on SIGTERM or Ctrl-C
 * stops it gracefully: readiness DOWN at once, then after {@code SHUTDOWN_DELAY} (default 0s; set it to
 * what the load balancer needs to notice a failing readiness probe) the verticles drain, flush, commit
 * and leave their consumer groups, and the JVM waits for that.
 */
public final class ServiceMain {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceMain.class);
  private static final long STOP_TIMEOUT_SECONDS = 30;
  private static final Duration MAX_SHUTDOWN_DELAY = Duration.ofMinutes(5);

  private ServiceMain() {}

  public static void run(String serviceName, Function<ServiceRuntime, Future<?>> deploy) {
    exitWithParentIfAsked(serviceName);
    Duration shutdownDelay;
    try {
      shutdownDelay = Env.system().duration("SHUTDOWN_DELAY", Duration.ZERO);
      if (shutdownDelay.isNegative() || shutdownDelay.compareTo(MAX_SHUTDOWN_DELAY) > 0) {
        throw new ConfigException("SHUTDOWN_DELAY must be between 0s and " + MAX_SHUTDOWN_DELAY.toMinutes() + "m");
      }
    } catch (ConfigException e) {
      LOG.error("{} cannot start: {}", serviceName, e.getMessage());
      System.exit(1);
      return;
    }
    ServiceRuntime runtime = ServiceRuntime.create(serviceName, shutdownDelay);
    Future<?> deployed;
    try {
      deployed = deploy.apply(runtime);
    } catch (ConfigException e) {
      failStart(serviceName, runtime, e);
      return;
    }
    try {
      deployed.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      failStart(serviceName, runtime, e.getCause() != null ? e.getCause() : e);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("{} stopping", serviceName);
      try {
        runtime.close().toCompletionStage().toCompletableFuture()
            .get(STOP_TIMEOUT_SECONDS + shutdownDelay.toSeconds(), TimeUnit.SECONDS);
        LOG.info("{} stopped", serviceName);
      } catch (Exception e) {
        LOG.warn("{} did not stop cleanly within {} s", serviceName, STOP_TIMEOUT_SECONDS + shutdownDelay.toSeconds(),
            e);
      }
    }, serviceName + "-shutdown"));
  }

  /**
   * With {@code EXIT_WITH_PARENT=true} the service stops (gracefully) when its stdin reaches
   * end-of-file, which is what happens when the process that started it dies, even by SIGKILL. Test
   * harnesses set it so that no service outlives a run.
   */
  private static void exitWithParentIfAsked(String serviceName) {
    if (!"true".equalsIgnoreCase(System.getenv("EXIT_WITH_PARENT"))) {
      return;
    }
    Thread watch = new Thread(() -> {
      try {
        byte[] buffer = new byte[64];
        while (System.in.read(buffer) >= 0) {
          // nothing is ever written; we only wait for end-of-file
        }
      } catch (java.io.IOException ignored) {
        // a broken pipe means the same
      }
      LOG.warn("{}: parent process gone (stdin closed), stopping", serviceName);
      System.exit(0);
    }, "parent-watch");
    watch.setDaemon(true);
    watch.start();
  }

  private static void failStart(String serviceName, ServiceRuntime runtime, Throwable cause) {
    if (cause instanceof ConfigException) {
      LOG.error("{} cannot start: {}", serviceName, cause.getMessage());
    } else {
      LOG.error("{} failed to start", serviceName, cause);
    }
    try {
      runtime.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting anyway
    }
    System.exit(1);
  }
}
