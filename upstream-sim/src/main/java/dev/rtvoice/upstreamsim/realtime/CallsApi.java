package dev.rtvoice.upstreamsim.realtime;

import dev.rtvoice.upstreamsim.ApiKeyCheck;
import dev.rtvoice.upstreamsim.OpenAiErrors;
import dev.rtvoice.upstreamsim.Ids;
import dev.rtvoice.upstreamsim.faults.Fault;
import dev.rtvoice.upstreamsim.faults.FaultInjector;
import dev.rtvoice.upstreamsim.secrets.ClientSecretApi;
import dev.rtvoice.upstreamsim.secrets.SecretStore;
import io.vertx.core.Vertx;
import java.util.Optional;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The call endpoints of the REST API.
 *
 * <ul>
 *   <li>{@code POST /v1/realtime/calls}: a WebRTC call. The browser posts its SDP offer
 *       ({@code application/sdp}) with an {@code ek_} client secret, or a server posts it with the API
 *       key, as {@code application/sdp} or multipart ({@code sdp} and {@code session} fields). The
 *       call is created ({@code rtc_...}, its maximum duration starts), the offer relayed to the
 *       {@link MediaPeer} for the answer, and the answer returned as 201 {@code application/sdp} with
 *       {@code Location: /v1/realtime/calls/{call_id}} (exposed to browsers by CORS). Without a media
 *       peer: 503 {@code media_peer_not_configured}; a media peer that fails: 502, the call ended.</li>
 *   <li>{@code POST /v1/realtime/calls/{call_id}/hangup} ends a call as OpenAI's does (API key only;
 *       every connection of the call is closed, the call refuses new ones).</li>
 * </ul>
 */
public final class CallsApi {
  /** An SDP offer is a few KiB; anything much larger is not one. */
  static final int MAX_OFFER_CHARS = 32 * 1024;

  private final ApiKeyCheck apiKey;
  private final SecretStore secrets;
  private final SidebandServer calls;
  private final MediaPeer mediaPeer;
  private final Vertx vertx;
  private final FaultInjector faults;

  public CallsApi(Vertx vertx, ApiKeyCheck apiKey, SecretStore secrets, SidebandServer calls, MediaPeer mediaPeer,
                  FaultInjector faults) {
    this.vertx = vertx;
    this.faults = faults;
    this.apiKey = apiKey;
    this.secrets = secrets;
    this.calls = calls;
    this.mediaPeer = mediaPeer;
  }

  public void mount(Router router) {
    router.options("/v1/realtime/calls").handler(ctx -> cors(ctx).putHeader("access-control-allow-methods", "POST")
        .putHeader("access-control-allow-headers", "authorization, content-type")
        .putHeader("access-control-max-age", "600").setStatusCode(204).end());
    router.post("/v1/realtime/calls").handler(this::create);
    router.post("/v1/realtime/calls/:callId/hangup").handler(ctx -> {
      if (!apiKey.accepts(ctx.request().getHeader("Authorization"))) {
        OpenAiErrors.invalidApiKey(ctx);
        return;
      }
      String callId = ctx.pathParam("callId");
      if (!SidebandServer.CALL_ID.matcher(callId).matches() || !calls.hangup(callId)) {
        OpenAiErrors.send(ctx, 404, "Call not found: " + (callId.length() > 128 ? callId.substring(0, 128) : callId),
            "invalid_request_error", "call_id", "call_not_found");
        return;
      }
      ctx.response().setStatusCode(200).end();
    });
  }

  private static HttpServerResponse cors(RoutingContext ctx) {
    // browsers call it directly with a client secret, as they call OpenAI's
    return ctx.response().putHeader("access-control-allow-origin", "*")
        .putHeader("access-control-expose-headers", "Location");
  }

  private void create(RoutingContext ctx) {
    cors(ctx);
    String auth = ctx.request().getHeader("Authorization");
    String bearer = ApiKeyCheck.bearer(auth);
    boolean server = apiKey.accepts(auth);
    if (!server && (bearer == null || secrets.validate(bearer).isEmpty())) {
      OpenAiErrors.invalidApiKey(ctx);
      return;
    }
    // injected faults (target "calls") hit a server's creation with the API key, as upstream's 5xx or 429 would
    Optional<Fault> fault = server ? faults.next("calls") : Optional.empty();
    long delay = fault.map(Fault::delayMs).orElse(0L);
    if (delay > 0) {
      vertx.setTimer(delay, t -> {
        if (!ctx.response().closed()) {
          createChecked(ctx, fault.get());
        }
      });
    } else {
      createChecked(ctx, fault.orElse(null));
    }
  }

  private void createChecked(RoutingContext ctx, Fault fault) {
    if (fault != null && fault.status() > 0) {
      ClientSecretApi.failWith(ctx, fault);
      return;
    }
    String contentType = String.valueOf(ctx.request().getHeader("content-type")).toLowerCase(java.util.Locale.ROOT);
    String offer;
    if (contentType.startsWith("application/sdp")) {
      offer = ctx.body().asString();
    } else if (contentType.startsWith("multipart/form-data")) {
      offer = ctx.request().getFormAttribute("sdp");
      String session = ctx.request().getFormAttribute("session");
      if (session != null) {
        try {
          new JsonObject(session);
        } catch (DecodeException e) {
          OpenAiErrors.invalidRequest(ctx, "Invalid 'session': expected a JSON object.", "session", "invalid_value");
          return;
        }
      }
    } else {
      OpenAiErrors.invalidRequest(ctx, "Unsupported content type: expected application/sdp or multipart/form-data.",
          null, "unsupported_content_type");
      return;
    }
    if (offer == null || offer.length() > MAX_OFFER_CHARS || !offer.startsWith("v=0") || !offer.contains("m=audio")) {
      OpenAiErrors.invalidRequest(ctx, "Invalid SDP offer: expected an SDP with an audio section.", "sdp",
          "invalid_offer");
      return;
    }
    if (mediaPeer.url().isEmpty()) {
      OpenAiErrors.send(ctx, 503, "upstream-sim has no media: register a media peer with PUT /admin/media-peer.",
          "server_error", null, "media_peer_not_configured");
      return;
    }
    String callId = Ids.next("rtc_", 24);
    RealtimeCall call = calls.call(callId);
    mediaPeer.answer(callId, offer).onComplete(answer -> {
      if (ctx.response().closed()) {
        call.end("caller_gone", null, (short) 1000, "caller gone");
        return;
      }
      if (answer.failed()) {
        call.end("media_peer_failed", null, (short) 1011, "media peer failed");
        OpenAiErrors.send(ctx, 502, "The media peer did not answer the offer.", "server_error", null,
            "media_peer_failed");
        return;
      }
      ctx.response().setStatusCode(201).putHeader("content-type", "application/sdp")
          .putHeader("location", "/v1/realtime/calls/" + callId).end(answer.result());
    });
  }
}
