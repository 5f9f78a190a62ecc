package dev.rtvoice.upstreamsim.admin;

import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.common.http.JsonBodies;
import dev.rtvoice.upstreamsim.faults.Fault;
import dev.rtvoice.upstreamsim.faults.FaultInjector;
import dev.rtvoice.upstreamsim.realtime.MediaPeer;
import dev.rtvoice.upstreamsim.realtime.RealtimeCall;
import dev.rtvoice.upstreamsim.realtime.SidebandServer;
import dev.rtvoice.upstreamsim.secrets.ClientSecretApi;
import dev.rtvoice.upstreamsim.secrets.SecretStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.Set;

/**
 * The test and demo controls of the simulator, under {@code /admin}: inject faults, add latency,
 * expire keys early, script upstream events on a call, drop sideband connections, and look at what
 * the simulator saw. It is a test tool: it has no authentication and must not face the internet.
 */
public final class AdminApi {
  private static final Set<String> TARGETS = Set.of("client_secrets", "sessions", "calls", "any");
  private static final int MAX_TRANSCRIPT_CHARS = 4000;

  private final FaultInjector faults;
  private final SecretStore secrets;
  private final SidebandServer sideband;
  private final ClientSecretApi secretApi;
  private final MediaPeer mediaPeer;
  private final Duration defaultResponseLatency;

  public AdminApi(FaultInjector faults, SecretStore secrets, SidebandServer sideband, ClientSecretApi secretApi,
                  MediaPeer mediaPeer, Duration defaultResponseLatency) {
    this.mediaPeer = mediaPeer;
    this.faults = faults;
    this.secrets = secrets;
    this.sideband = sideband;
    this.secretApi = secretApi;
    this.defaultResponseLatency = defaultResponseLatency;
  }

  public void mount(Router router) {
    // {"target":"client_secrets","status":500,"count":2,"retry_after_s":0,"delay_ms":0}
    router.post("/admin/faults").handler(ctx -> {
      JsonObject body = JsonBodies.object(ctx, false);
      String target = orDefault(JsonBodies.optionalString(body, "target"), "any");
      if (!TARGETS.contains(target)) {
        throw ApiException.badRequest("target", "must be one of " + TARGETS);
      }
      int status = (int) range(body, "status", 0, 0, 599);
      int count = (int) range(body, "count", 1, 1, 100_000);
      int retryAfter = (int) range(body, "retry_after_s", 0, 0, 3600);
      long delay = range(body, "delay_ms", 0, 0, 600_000);
      if (status != 0 && status < 400) {
        throw ApiException.badRequest("status", "must be 0 (delay only) or an error status (400-599)");
      }
      faults.enqueue(new Fault(target, status, retryAfter, delay), count);
      ctx.response().setStatusCode(201);
      ctx.json(new JsonObject().put("pending_faults", faults.pending()));
    });
    // {"http_ms":200,"response_ms":900}
    router.put("/admin/latency").handler(ctx -> {
      JsonObject body = JsonBodies.object(ctx, false);
      faults.httpLatencyMs(range(body, "http_ms", faults.httpLatencyMs(), 0, 600_000));
      faults.responseLatency(Duration.ofMillis(range(body, "response_ms", faults.responseLatency().toMillis(), 0,
          600_000)));
      ctx.json(latency());
    });
    router.get("/admin/latency").handler(ctx -> ctx.json(latency()));
    // {"value":"ek_..."} expires one key, {} all of them
    router.post("/admin/secrets/expire").handler(ctx -> {
      JsonObject body = JsonBodies.object(ctx, true);
      int expired = secrets.expireNow(JsonBodies.optionalString(body, "value"));
      ctx.json(new JsonObject().put("expired", expired));
    });
    // {"seconds":5} makes every new key expire after 5 s whatever was asked; {"seconds":null} undoes it
    router.put("/admin/secrets/ttl").handler(ctx -> {
      JsonObject body = JsonBodies.object(ctx, false);
      Long seconds = JsonBodies.optionalLong(body, "seconds");
      if (seconds != null && (seconds < 1 || seconds > 7200)) {
        throw ApiException.badRequest("seconds", "must be between 1 and 7200, or null");
      }
      faults.secretTtlOverrideSeconds(seconds == null ? null : seconds.intValue());
      ctx.json(new JsonObject().put("seconds", seconds));
    });
    router.post("/admin/secrets/validate").handler(ctx -> {
      String value = JsonBodies.requiredString(JsonBodies.object(ctx, false), "value");
      JsonObject answer = secrets.validate(value)
          .map(s -> new JsonObject().put("valid", true).put("expires_at", s.expiresAt().getEpochSecond()))
          .orElse(new JsonObject().put("valid", false));
      ctx.json(answer);
    });
    // a server event to send on the call, e.g. {"type":"input_audio_buffer.speech_started","audio_start_ms":1200}
    router.post("/admin/calls/:callId/events").handler(ctx -> {
      JsonObject event = JsonBodies.object(ctx, false);
      JsonBodies.requiredString(event, "type");
      RealtimeCall call = sideband.call(ctx.pathParam("callId"));
      ctx.json(new JsonObject().put("sent", call.script(event)).put("connections", call.connectionCount()));
    });
    // the user speaks for duration_ms (server VAD's events), then the transcript: {"duration_ms":300,"transcript":"uh-huh"}
    router.post("/admin/calls/:callId/speech").handler(ctx -> {
      JsonObject body = JsonBodies.object(ctx, false);
      long duration = range(body, "duration_ms", 800, 0, 600_000);
      String transcript = JsonBodies.optionalString(body, "transcript");
      if (transcript != null && transcript.length() > MAX_TRANSCRIPT_CHARS) {
        throw ApiException.badRequest("transcript", "at most " + MAX_TRANSCRIPT_CHARS + " characters");
      }
      RealtimeCall call = sideband.existingCall(ctx.pathParam("callId"));
      if (call == null || call.endReason() != null) {
        throw ApiException.notFound("no running call " + ctx.pathParam("callId"));
      }
      ctx.response().setStatusCode(202);
      ctx.json(call.speak(duration, transcript).put("connections", call.connectionCount()));
    });
    // {"url":"http://127.0.0.1:4000/answer"}: who answers the SDP offers of POST /v1/realtime/calls; {"url":null} forgets
    router.put("/admin/media-peer").handler(ctx -> {
      JsonObject body = JsonBodies.object(ctx, false);
      String url = JsonBodies.optionalString(body, "url");
      if (url != null && url.length() > 2000) {
        throw ApiException.badRequest("url", "at most 2000 characters");
      }
      try {
        mediaPeer.register(url);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("url", e.getMessage());
      }
      ctx.json(new JsonObject().put("url", mediaPeer.url().orElse(null)));
    });
    router.post("/admin/calls/:callId/drop").handler(ctx -> {
      RealtimeCall call = sideband.existingCall(ctx.pathParam("callId"));
      if (call == null) {
        throw ApiException.notFound("no call " + ctx.pathParam("callId"));
      }
      ctx.json(new JsonObject().put("dropped", call.dropConnections()));
    });
    router.post("/admin/ws/drop").handler(ctx -> ctx.json(new JsonObject().put("dropped", sideband.dropAll())));
    router.get("/admin/calls/:callId").handler(ctx -> {
      RealtimeCall call = sideband.existingCall(ctx.pathParam("callId"));
      if (call == null) {
        throw ApiException.notFound("no call " + ctx.pathParam("callId"));
      }
      ctx.json(call.describe());
    });
    router.get("/admin/state").handler(ctx -> {
      JsonArray calls = new JsonArray();
      sideband.calls().forEach(c -> calls.add(new JsonObject().put("call_id", c.callId())
          .put("connections", c.connectionCount()).put("ended", c.endReason())));
      ctx.json(new JsonObject()
          .put("secret_calls", secretApi.calls())
          .put("secrets_issued", secrets.issuedCount())
          .put("secrets_live", secrets.liveCount())
          .put("pending_faults", faults.pending())
          .put("latency", latency())
          .put("secret_ttl_override_s", faults.secretTtlOverrideSeconds().orElse(null))
          .put("calls", calls));
    });
    router.post("/admin/reset").handler(ctx -> {
      faults.reset(defaultResponseLatency);
      secrets.clear();
      sideband.reset();
      mediaPeer.register(null);
      ctx.response().setStatusCode(204).end();
    });
  }

  private JsonObject latency() {
    return new JsonObject().put("http_ms", faults.httpLatencyMs())
        .put("response_ms", faults.responseLatency().toMillis());
  }

  private static long range(JsonObject body, String field, long defaultValue, long min, long max) {
    Long value = JsonBodies.optionalLong(body, field);
    if (value == null) {
      return defaultValue;
    }
    if (value < min || value > max) {
      throw ApiException.badRequest(field, "must be between " + min + " and " + max);
    }
    return value;
  }

  private static String orDefault(String value, String defaultValue) {
    return value == null ? defaultValue : value;
  }
}
