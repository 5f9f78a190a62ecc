package dev.rtvoice.e2e.outage;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the browser client library does with a request the suite could not take: it sends the very
 * same request again (same body, so the same seq numbers, the same idempotency key) after a network
 * error, a timeout, 408, 429 or a 5xx, waiting the larger of {@code Retry-After} and a full-jitter
 * exponential backoff (250 ms doubling to 10 s, as {@code backoff.js}); any other answer is final.
 * It also keeps, per service, the longest time any single attempt was held before it got an answer:
 * a service that fails fast answers within its request deadline even while the broker is down.
 */
final class RetryingClient {
  static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(15);
  private static final long BACKOFF_BASE_MS = 250;
  private static final long BACKOFF_MAX_MS = 10_000;

  /** The final answer of one logical request and what it took to get it. */
  record Outcome(int status, String body, String retryAfter, int attempts, int unavailable, int timeouts,
                 int connectionErrors, long answeredAtMs) {
    boolean success() {
      return status >= 200 && status < 300;
    }

    /** Whether the request was never answered finally within the client's patience. */
    boolean gaveUp() {
      return status < 0;
    }
  }

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final Duration patience;
  private final AtomicLong longestHeldMs = new AtomicLong();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong unavailable = new AtomicLong();
  private final AtomicLong timeouts = new AtomicLong();

  /** @param patience how long one logical request is retried before the client gives up */
  RetryingClient(Duration patience) {
    this.patience = patience;
  }

  Outcome post(String url, String body, String... headers) {
    long deadline = System.nanoTime() + patience.toNanos();
    int tries = 0;
    int refused = 0;
    int timedOut = 0;
    int connectionErrors = 0;
    while (true) {
      tries++;
      attempts.incrementAndGet();
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(ATTEMPT_TIMEOUT)
          .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
      for (int i = 0; i < headers.length; i += 2) {
        request.header(headers[i], headers[i + 1]);
      }
      long sent = System.nanoTime();
      String retryAfter = null;
      try {
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        held(sent);
        int status = r.statusCode();
        retryAfter = r.headers().firstValue("Retry-After").orElse(null);
        if (!retryable(status)) {
          return new Outcome(status, r.body(), retryAfter, tries, refused, timedOut, connectionErrors,
              System.currentTimeMillis());
        }
        if (status == 503) {
          refused++;
          unavailable.incrementAndGet();
        }
      } catch (HttpTimeoutException e) {
        held(sent);
        timedOut++;
        timeouts.incrementAndGet();
      } catch (IOException e) {
        connectionErrors++;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while sending " + url, e);
      }
      if (System.nanoTime() > deadline) {
        return new Outcome(-1, "gave up after " + tries + " attempts", null, tries, refused, timedOut,
            connectionErrors, System.currentTimeMillis());
      }
      retries.incrementAndGet();
      sleep(Math.max(retryAfterMs(retryAfter), backoff(tries - 1)));
    }
  }

  /** The longest any attempt waited for its answer (or its timeout), in ms. */
  long longestHeldMs() {
    return longestHeldMs.get();
  }

  long attempts() {
    return attempts.get();
  }

  long retries() {
    return retries.get();
  }

  long unavailableAnswers() {
    return unavailable.get();
  }

  long timeouts() {
    return timeouts.get();
  }

  static boolean retryable(int status) {
    return status == 408 || status == 429 || status >= 500;
  }

  private void held(long sentNanos) {
    long ms = (System.nanoTime() - sentNanos) / 1_000_000;
    longestHeldMs.accumulateAndGet(ms, Math::max);
  }

  private static long retryAfterMs(String header) {
    if (header == null) {
      return 0;
    }
    try {
      return Math.min(60_000, Math.max(0, Long.parseLong(header.trim()) * 1000));
    } catch (NumberFormatException e) {
      return 0; // an HTTP date: the backoff decides
    }
  }

  private static long backoff(int attempt) {
    long ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS << Math.min(attempt, 16));
    return ThreadLocalRandom.current().nextLong(ceiling + 1);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
