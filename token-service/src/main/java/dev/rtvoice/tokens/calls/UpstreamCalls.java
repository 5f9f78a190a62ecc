package dev.rtvoice.tokens.calls;

import dev.rtvoice.tokens.config.UpstreamSettings;
import dev.rtvoice.tokens.domain.SessionSettings;
import dev.rtvoice.tokens.domain.UpstreamFailure;
import dev.rtvoice.tokens.upstream.RealtimeSessionConfig;
import dev.rtvoice.tokens.upstream.UpstreamFailedException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.multipart.MultipartForm;
import java.net.ConnectException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenAI's {@code POST /v1/realtime/calls} with the API key, as OpenAI recommends for servers: a
 * multipart form with the browser's offer ({@code sdp}) and the session configuration
 * ({@code session}: model, voice, and the server's instructions and tools, never the client's).
 * Upstream answers 201 with the SDP answer and {@code Location: /v1/realtime/calls/{call_id}}.
 * Retries follow {@link CallRetryPolicy} (creation is not idempotent). The key goes only into the
 * Authorization header; upstream's error bodies are neither logged nor returned.
 */
public final class UpstreamCalls {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamCalls.class);
  static final int MAX_ANSWER_BYTES = 64 * 1024;
  private static final Pattern LOCATION = Pattern.compile("/v1/realtime/calls/([A-Za-z0-9_-]{1,128})/?$");
  private static final int HANGUP_ATTEMPTS = 3;
  private static final long HANGUP_RETRY_MS = 500;

  private final Vertx vertx;
  private final WebClient client;
  private final String callsUrl;
  private final String authorization;
  private final String instructions;
  private final JsonArray tools;
  private final CallRetryPolicy policy;
  private final long attemptTimeoutMs;
  private final long totalTimeoutMs;

  public UpstreamCalls(Vertx vertx, UpstreamSettings settings, String instructions, JsonArray tools) {
    this.vertx = vertx;
    WebClientOptions options = new WebClientOptions()
        .setConnectTimeout((int) settings.connectTimeout().toMillis())
        .setKeepAlive(true)
        .setUserAgent("rtvoice-token-service")
        .setFollowRedirects(false);
    if ("https".equals(settings.baseUrl().getScheme())) {
      options.setSsl(true).setVerifyHost(true);
    }
    // a call creation waits for upstream's media negotiation: few at a time, a bounded queue behind them
    this.client = WebClient.create(vertx, options,
        new PoolOptions().setHttp1MaxSize(settings.maxConnections()).setMaxWaitQueueSize(1_000));
    this.callsUrl = settings.baseUrl() + "/v1/realtime/calls";
    this.authorization = "Bearer " + settings.apiKey().reveal();
    this.instructions = instructions;
    this.tools = tools;
    this.policy = new CallRetryPolicy(settings.maxAttempts(), settings.retryBase().toMillis());
    this.attemptTimeoutMs = settings.requestTimeout().toMillis();
    this.totalTimeoutMs = settings.totalTimeout().toMillis();
  }

  /** The {@code session} field: what {@code client_secrets} would get for the same session. */
  JsonObject sessionConfig(SessionSettings settings) {
    return RealtimeSessionConfig.of(settings, instructions, tools);
  }

  /** Creates the call; fails with {@link UpstreamFailedException}. */
  public Future<CreatedCall> create(String offer, SessionSettings settings) {
    long start = System.nanoTime();
    Promise<CreatedCall> result = Promise.promise();
    MultipartForm form = MultipartForm.create()
        .attribute("sdp", offer)
        .attribute("session", sessionConfig(settings).encode());
    attempt(form, 1, start, nowMs() + totalTimeoutMs, result);
    return result.future();
  }

  private void attempt(MultipartForm form, int number, long startNanos, long deadlineMs, Promise<CreatedCall> result) {
    long timeoutMs = Math.max(1, Math.min(attemptTimeoutMs, deadlineMs - nowMs()));
    send(form, timeoutMs).onComplete(ar -> {
      if (ar.succeeded()) {
        Attempt outcome = ar.result();
        if (outcome.call != null) {
          result.complete(new CreatedCall(outcome.call.callId(), outcome.call.answer(), elapsedMs(startNanos), number));
          return;
        }
        retryOrFail(form, outcome.failure, false, number, startNanos, deadlineMs, result, outcome.message);
        return;
      }
      boolean neverSent = ar.cause() instanceof ConnectException;
      UpstreamFailure failure = UpstreamFailure.of(ar.cause() instanceof TimeoutException
          ? UpstreamFailure.Kind.TIMEOUT : UpstreamFailure.Kind.UNREACHABLE);
      String message = ar.cause() instanceof TimeoutException ? "no answer from upstream within " + timeoutMs + " ms"
          : "upstream unreachable (" + ar.cause().getClass().getSimpleName() + ")";
      retryOrFail(form, failure, neverSent, number, startNanos, deadlineMs, result, message);
    });
  }

  private void retryOrFail(MultipartForm form, UpstreamFailure failure, boolean neverSent, int number,
                           long startNanos, long deadlineMs, Promise<CreatedCall> result, String message) {
    long delay = policy.nextDelayMs(failure, neverSent, number, nowMs(), deadlineMs);
    if (delay < 0) {
      result.fail(new UpstreamFailedException(failure, number, elapsedMs(startNanos), message));
    } else if (delay == 0) {
      attempt(form, number + 1, startNanos, deadlineMs, result);
    } else {
      vertx.setTimer(delay, t -> attempt(form, number + 1, startNanos, deadlineMs, result));
    }
  }

  /** One attempt's outcome: a call, or a classified refusal (transport failures fail the future). */
  private record Attempt(CreatedCall call, UpstreamFailure failure, String message) {}

  private Future<Attempt> send(MultipartForm form, long timeoutMs) {
    Future<HttpResponse<Buffer>> response;
    try {
      response = client.postAbs(callsUrl)
          .putHeader("Authorization", authorization)
          .connectTimeout(timeoutMs)
          .idleTimeout(timeoutMs)
          .sendMultipartForm(form);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return response.timeout(timeoutMs, TimeUnit.MILLISECONDS).map(this::interpret);
  }

  private Attempt interpret(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      long retryAfter = retryAfterMs(response.getHeader("Retry-After"));
      return new Attempt(null, UpstreamFailure.ofStatus(status, retryAfter), "upstream answered HTTP " + status);
    }
    String callId = callIdOf(response.getHeader("Location"));
    Buffer body = response.body();
    if (callId == null || body == null || body.length() > MAX_ANSWER_BYTES || !body.toString().startsWith("v=0")) {
      if (callId != null) {
        // the call exists but nobody can use its answer: end it rather than let it bill until the cap
        hangup(callId).onFailure(e -> LOG.error("call {} answered unusably could not be hung up ({}): it runs "
            + "until upstream ends it", callId, e.getMessage()));
      }
      return new Attempt(null, UpstreamFailure.of(UpstreamFailure.Kind.INVALID_RESPONSE),
          "upstream's answer has no call id in Location or no SDP answer");
    }
    return new Attempt(new CreatedCall(callId, body.toString(), 0, 0), null, null);
  }

  /** Retry-After as delay-seconds (what OpenAI sends), capped at two minutes; -1 when absent or unreadable. */
  static long retryAfterMs(String header) {
    if (header == null || !header.trim().matches("[0-9]{1,6}")) {
      return -1;
    }
    return Math.min(120_000, Long.parseLong(header.trim()) * 1000);
  }

  /** The call id of a {@code Location} header (absolute or relative), or null. */
  static String callIdOf(String location) {
    if (location == null || location.length() > 2048) {
      return null;
    }
    int query = location.indexOf('?');
    Matcher m = LOCATION.matcher(query < 0 ? location : location.substring(0, query));
    return m.find() ? m.group(1) : null;
  }

  /**
   * Ends a call nobody will be told about (its event could not be recorded, or its caller left):
   * best effort, so an orphan does not run and bill until upstream's own cap.
   */
  public Future<Void> hangup(String callId) {
    return hangup(callId, 1);
  }

  /** A 2xx or a 404 (gone already) ends it; a 5xx, a 429 or no answer is tried again, a few times. */
  private Future<Void> hangup(String callId, int attempt) {
    Future<Integer> status = client.postAbs(callsUrl + "/" + callId + "/hangup")
        .putHeader("Authorization", authorization)
        .timeout(attemptTimeoutMs)
        .send()
        .map(HttpResponse::statusCode)
        .otherwise(-1);
    return status.compose(code -> {
      if (code / 100 == 2 || code == 404) {
        return Future.succeededFuture();
      }
      if ((code == -1 || code == 429 || code >= 500) && attempt < HANGUP_ATTEMPTS) {
        Promise<Void> again = Promise.promise();
        vertx.setTimer(HANGUP_RETRY_MS * attempt, t -> hangup(callId, attempt + 1).onComplete(again));
        return again.future();
      }
      return Future.failedFuture("upstream answered " + (code == -1 ? "nothing" : "HTTP " + code) + " to the hangup"
          + " after " + attempt + " attempt(s)");
    });
  }

  private static long elapsedMs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }
}
