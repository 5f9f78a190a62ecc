package dev.rtvoice.e2e.outage;

import dev.rtvoice.e2e.harness.Suite;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * An app asking token-service for a new session every two seconds through the run, retrying as the
 * client library does. Every 201 is a client secret in a user's hands: each must have exactly one
 * {@code token.issued} on Kafka (the audit trail, and metrics-service's {@code token_issued_total}).
 */
final class Issuer {
  private final Suite suite;
  private final RetryingClient client;
  private final long everyMs;
  private final List<Issued> issued = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private int requests;

  Issuer(Suite suite, RetryingClient client, long everyMs) {
    this.suite = suite;
    this.client = client;
    this.everyMs = everyMs;
  }

  void run(BooleanSupplier running) {
    long next = System.currentTimeMillis();
    while (running.getAsBoolean()) {
      int n;
      synchronized (this) {
        n = ++requests;
      }
      Issued i = Issued.issue(suite, client, "outage-issue-user-" + (n % 10), "outage-issue-device-" + n);
      synchronized (this) {
        if (i != null) {
          issued.add(i);
        } else {
          failures.add("issuance " + n + " was not answered 201");
        }
      }
      next += everyMs;
      long wait = next - System.currentTimeMillis();
      if (wait > 0) {
        RetryingClient.sleep(wait);
      } else {
        next = System.currentTimeMillis();
      }
    }
  }

  synchronized List<Issued> issued() {
    return List.copyOf(issued);
  }

  synchronized List<String> failures() {
    return List.copyOf(failures);
  }
}
