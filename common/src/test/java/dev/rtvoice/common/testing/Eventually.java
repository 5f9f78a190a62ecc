package dev.rtvoice.common.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds: for effects that cross Kafka or a process boundary. */
public final class Eventually {
  private Eventually() {}

  public static void await(BooleanSupplier condition, Duration timeout) {
    await("condition", condition, timeout);
  }

  public static void await(String what, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " not met within " + timeout);
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
    }
  }
}
