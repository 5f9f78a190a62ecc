package dev.rtvoice.sessions.sideband;

import dev.rtvoice.sessions.config.UpstreamSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends upstream calls: {@code POST /v1/realtime/calls/{call_id}/hangup} with the API key (the
 * {@code HangUp} effect, run once the decision to hang up is durable). A 2xx ends it, a 404 says it had
 * ended already (upstream's cap, the client, an earlier attempt): both are done. A 5xx, a 429 or no
 * answer is tried again with jittered exponential backoff, a few times; any other 4xx (a refused key)
 * would be refused again, so it is not. Nothing waits on it: the decision and its event are written
 * already, and a call that could not be hung up ends at upstream's cap anyway.
 *
 * <p>Requests run on the caller's event loop, each bounded by a timeout; the API key goes into the
 * header and nowhere else.
 */
public final class CallHangups {
  private static final Logger LOG = LoggerFactory.getLogger(CallHangups.class);
  static final int MAX_ATTEMPTS = 4;
  private static final long REQUEST_TIMEOUT_MS = 5_000;
  private static final long STOP_GRACE_MS = 5_000;

  /** How one hang-up ended. */
  public enum Result { HUNG_UP, ALREADY_GONE, FAILED, DISABLED }

  private final Vertx vertx;
  private final UpstreamSettings settings;
  private final HttpClient client;
  private final MeterRegistry registry;
  private final Set<Future<Result>> inFlight = new HashSet<>();

  public CallHangups(Vertx vertx, UpstreamSettings settings, MeterRegistry registry) {
    this.vertx = vertx;
    this.settings = settings;
    this.registry = registry;
    this.client = settings.sidebandEnabled()
        ? vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) REQUEST_TIMEOUT_MS))
        : null;
  }

  /** Hangs up {@code callId}; the future never fails (see {@link Result}). */
  public Future<Result> hangUp(String callId, String reason) {
    if (client == null) {
      count(reason, "disabled");
      return Future.succeededFuture(Result.DISABLED);
    }
    Promise<Result> done = Promise.promise();
    inFlight.add(done.future());
    attempt(callId, reason, 1, done);
    return done.future().onComplete(r -> inFlight.remove(done.future()))
        .onSuccess(r -> count(reason, r.name().toLowerCase(java.util.Locale.ROOT)));
  }

  private void attempt(String callId, String reason, int n, Promise<Result> done) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(settings.hangupUrl(callId))
        .putHeader("Authorization", "Bearer " + settings.apiKey().orElseThrow())
        .putHeader("Content-Length", "0")
        .setFollowRedirects(false)
        .setTimeout(REQUEST_TIMEOUT_MS);
    client.request(options)
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode()))
        .onComplete(ar -> {
          int status = ar.succeeded() ? ar.result() : -1;
          if (status >= 200 && status < 300) {
            done.complete(Result.HUNG_UP);
          } else if (status == 404) {
            done.complete(Result.ALREADY_GONE);
          } else if ((status == -1 || status == 429 || status >= 500) && n < MAX_ATTEMPTS) {
            long base = Math.min(settings.backoffMax().toMillis(), settings.backoffMin().toMillis() << (n - 1));
            long delay = Math.max(1, (long) (base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble())));
            vertx.setTimer(delay, t -> attempt(callId, reason, n + 1, done));
          } else {
            LOG.warn("could not hang up call {} ({}): {} after {} attempt(s)", callId, reason,
                ar.succeeded() ? "status " + status : ar.cause().toString(), n);
            done.complete(Result.FAILED);
          }
        });
  }

  private void count(String reason, String result) {
    Counter.builder("session_call_hangups_total").description("Upstream calls this instance hung up, by reason and result")
        .tag("reason", reason).tag("result", result).register(registry).increment();
  }

  /**
   * Lets the hang-ups under way finish (their retries included, at most {@link #STOP_GRACE_MS}) before the
   * client closes: a decision to hang up is durable already and is not run again after a restart.
   */
  public Future<Void> close() {
    if (client == null) {
      return Future.succeededFuture();
    }
    Future<?> pending = inFlight.isEmpty() ? Future.succeededFuture()
        : Future.join(new ArrayList<>(inFlight)).timeout(STOP_GRACE_MS, TimeUnit.MILLISECONDS);
    return pending.transform(ar -> client.close());
  }
}
