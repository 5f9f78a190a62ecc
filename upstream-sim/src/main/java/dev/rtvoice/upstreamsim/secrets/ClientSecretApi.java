package dev.rtvoice.upstreamsim.secrets;

import dev.rtvoice.upstreamsim.ApiKeyCheck;
import dev.rtvoice.upstreamsim.OpenAiErrors;
import dev.rtvoice.upstreamsim.faults.Fault;
import dev.rtvoice.upstreamsim.faults.FaultInjector;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The ephemeral-key endpoints with OpenAI's request and response shapes:
 * {@code POST /v1/realtime/client_secrets} (GA) and {@code POST /v1/realtime/sessions} (the older beta
 * endpoint, whose key lives in {@code client_secret}). Expiry is bounded as upstream bounds it
 * (10 s to 2 h; 600 s by default for client_secrets, 60 s for sessions).
 */
public final class ClientSecretApi {
  static final int MIN_TTL = 10;
  static final int MAX_TTL = 7200;
  static final int DEFAULT_TTL_CLIENT_SECRETS = 600;
  static final int DEFAULT_TTL_SESSIONS = 60;

  private final Vertx vertx;
  private final ApiKeyCheck apiKey;
  private final SecretStore store;
  private final FaultInjector faults;
  private final AtomicLong calls = new AtomicLong();

  public ClientSecretApi(Vertx vertx, ApiKeyCheck apiKey, SecretStore store, FaultInjector faults) {
    this.vertx = vertx;
    this.apiKey = apiKey;
    this.store = store;
    this.faults = faults;
  }

  public void mount(Router router) {
    router.post("/v1/realtime/client_secrets").handler(ctx -> guarded(ctx, "client_secrets", this::clientSecrets));
    router.post("/v1/realtime/sessions").handler(ctx -> guarded(ctx, "sessions", this::betaSessions));
  }

  public long calls() {
    return calls.get();
  }

  /** Auth first (a wrong key is always a 401), then any injected fault or latency, then the call. */
  private void guarded(RoutingContext ctx, String endpoint, Consumer<RoutingContext> handler) {
    calls.incrementAndGet();
    if (!apiKey.accepts(ctx.request().getHeader("Authorization"))) {
      OpenAiErrors.invalidApiKey(ctx);
      return;
    }
    Optional<Fault> fault = faults.next(endpoint);
    long delay = faults.httpLatencyMs() + fault.map(Fault::delayMs).orElse(0L);
    Runnable answer = () -> {
      if (ctx.response().closed()) {
        return; // the caller gave up (its timeout)
      }
      if (fault.isPresent() && fault.get().status() > 0) {
        failWith(ctx, fault.get());
      } else {
        handler.accept(ctx);
      }
    };
    if (delay > 0) {
      vertx.setTimer(delay, t -> answer.run());
    } else {
      answer.run();
    }
  }

  /** Answers as OpenAI does for the fault's status (its error body, Retry-After when set). */
  public static void failWith(RoutingContext ctx, Fault fault) {
    if (fault.retryAfterSeconds() > 0) {
      ctx.response().putHeader("Retry-After", Integer.toString(fault.retryAfterSeconds()));
    }
    switch (fault.status()) {
      case 401 -> OpenAiErrors.invalidApiKey(ctx);
      case 403 -> OpenAiErrors.send(ctx, 403, "You are not allowed to perform this request.", "invalid_request_error",
          null, "unsupported_country_region_territory");
      case 429 -> OpenAiErrors.send(ctx, 429, "Rate limit reached for requests.", "requests", null,
          "rate_limit_exceeded");
      default -> OpenAiErrors.send(ctx, fault.status(),
          "The server had an error while processing your request. Sorry about that!", "server_error", null, null);
    }
  }

  private void clientSecrets(RoutingContext ctx) {
    JsonObject body = parse(ctx);
    if (body == null) {
      return;
    }
    JsonObject expiresAfter = objectOrNull(body, "expires_after");
    JsonObject session = objectOrNull(body, "session");
    if (expiresAfter == INVALID || session == INVALID) {
      OpenAiErrors.invalidRequest(ctx, "Invalid type: expected an object.",
          expiresAfter == INVALID ? "expires_after" : "session", "invalid_type");
      return;
    }
    Integer ttl = ttl(ctx, expiresAfter, "expires_after", DEFAULT_TTL_CLIENT_SECRETS);
    if (ttl == null) {
      return;
    }
    JsonObject sessionConfig = session == null ? new JsonObject() : session;
    String type = sessionConfig.getValue("type") instanceof String t ? t : "realtime";
    if (!type.equals("realtime") && !type.equals("transcription")) {
      OpenAiErrors.invalidRequest(ctx, "Invalid value: '" + type + "'. Supported values are: 'realtime' and "
          + "'transcription'.", "session.type", "invalid_value");
      return;
    }
    SecretStore.IssuedSecret secret = store.issue(effectiveTtl(ttl));
    JsonObject voiceConfig = sessionConfig.getJsonObject("audio", new JsonObject())
        .getJsonObject("output", new JsonObject());
    JsonObject response = new JsonObject()
        .put("value", secret.value())
        .put("expires_at", secret.expiresAt().getEpochSecond())
        .put("session", new JsonObject()
            .put("type", type)
            .put("object", "realtime.session")
            .put("id", secret.sessionId())
            .put("model", sessionConfig.getString("model", "gpt-realtime"))
            .put("output_modalities", new JsonArray().add("audio"))
            .put("instructions", sessionConfig.getString("instructions", ""))
            .put("tools", new JsonArray())
            .put("tool_choice", "auto")
            .put("max_output_tokens", "inf")
            .put("tracing", null)
            .put("truncation", "auto")
            .put("prompt", null)
            .put("expires_at", 0)
            .put("audio", new JsonObject()
                .put("input", new JsonObject()
                    .put("format", new JsonObject().put("type", "audio/pcm").put("rate", 24000))
                    .put("transcription", null)
                    .put("noise_reduction", null)
                    .put("turn_detection", new JsonObject().put("type", "server_vad").put("threshold", 0.5)
                        .put("prefix_padding_ms", 300).put("silence_duration_ms", 200)))
                .put("output", new JsonObject()
                    .put("format", new JsonObject().put("type", "audio/pcm").put("rate", 24000))
                    .put("voice", voiceConfig.getString("voice", "alloy"))
                    .put("speed", 1.0)))
            .put("include", null));
    ctx.response().putHeader("content-type", "application/json").end(response.toBuffer());
  }

  private void betaSessions(RoutingContext ctx) {
    JsonObject body = parse(ctx);
    if (body == null) {
      return;
    }
    JsonObject clientSecret = objectOrNull(body, "client_secret");
    if (clientSecret == INVALID) {
      OpenAiErrors.invalidRequest(ctx, "Invalid type: expected an object.", "client_secret", "invalid_type");
      return;
    }
    JsonObject expiresAfter = clientSecret == null ? null : objectOrNull(clientSecret, "expires_after");
    if (expiresAfter == INVALID) {
      OpenAiErrors.invalidRequest(ctx, "Invalid type: expected an object.", "client_secret.expires_after",
          "invalid_type");
      return;
    }
    Integer ttl = ttl(ctx, expiresAfter, "client_secret.expires_after", DEFAULT_TTL_SESSIONS);
    if (ttl == null) {
      return;
    }
    SecretStore.IssuedSecret secret = store.issue(effectiveTtl(ttl));
    JsonObject response = new JsonObject()
        .put("id", secret.sessionId())
        .put("object", "realtime.session")
        .put("model", body.getValue("model") instanceof String m ? m : "gpt-4o-realtime-preview")
        .put("modalities", new JsonArray().add("audio").add("text"))
        .put("instructions", body.getValue("instructions") instanceof String i ? i : "")
        .put("voice", body.getValue("voice") instanceof String v ? v : "alloy")
        .put("input_audio_format", "pcm16")
        .put("output_audio_format", "pcm16")
        .put("input_audio_transcription", null)
        .put("turn_detection", new JsonObject().put("type", "server_vad").put("threshold", 0.5)
            .put("prefix_padding_ms", 300).put("silence_duration_ms", 200))
        .put("tools", new JsonArray())
        .put("tool_choice", "auto")
        .put("temperature", 0.8)
        .put("max_response_output_tokens", "inf")
        .put("client_secret", new JsonObject()
            .put("value", secret.value())
            .put("expires_at", secret.expiresAt().getEpochSecond()));
    ctx.response().putHeader("content-type", "application/json").end(response.toBuffer());
  }

  private long effectiveTtl(int requested) {
    return faults.secretTtlOverrideSeconds().map(Integer::longValue).orElse((long) requested);
  }

  /** The requested TTL in seconds, or null after answering the 400 that rejects it. */
  private static Integer ttl(RoutingContext ctx, JsonObject expiresAfter, String param, int defaultTtl) {
    if (expiresAfter == null) {
      return defaultTtl;
    }
    Object anchor = expiresAfter.getValue("anchor");
    if (anchor != null && !"created_at".equals(anchor)) {
      OpenAiErrors.invalidRequest(ctx, "Invalid value: '" + anchor + "'. Supported values are: 'created_at'.",
          param + ".anchor", "invalid_value");
      return null;
    }
    Object seconds = expiresAfter.getValue("seconds");
    if (seconds == null) {
      return defaultTtl;
    }
    if (!(seconds instanceof Integer || seconds instanceof Long)) {
      OpenAiErrors.invalidRequest(ctx, "Invalid type for '" + param + ".seconds': expected an integer.",
          param + ".seconds", "invalid_type");
      return null;
    }
    long value = ((Number) seconds).longValue();
    if (value < MIN_TTL) {
      OpenAiErrors.invalidRequest(ctx, "Invalid '" + param + ".seconds': integer below minimum value. Expected a "
          + "value >= " + MIN_TTL + ", but got " + value + " instead.", param + ".seconds", "integer_below_min_value");
      return null;
    }
    if (value > MAX_TTL) {
      OpenAiErrors.invalidRequest(ctx, "Invalid '" + param + ".seconds': integer above maximum value. Expected a "
          + "value <= " + MAX_TTL + ", but got " + value + " instead.", param + ".seconds", "integer_above_max_value");
      return null;
    }
    return (int) value;
  }

  private static final JsonObject INVALID = new JsonObject();

  private static JsonObject objectOrNull(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    return value instanceof JsonObject o ? o : INVALID;
  }

  /** The body as JSON (empty allowed), or null after answering the 400. */
  private static JsonObject parse(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      return new JsonObject();
    }
    try {
      Object value = Buffer.buffer(body.getBytes()).toJsonValue();
      if (value instanceof JsonObject json) {
        return json;
      }
    } catch (DecodeException e) {
      // answered below
    }
    OpenAiErrors.invalidRequest(ctx, "We could not parse the JSON body of your request. (HINT: This likely means "
        + "you aren't using your HTTP library correctly.)", null, null);
    return null;
  }
}
