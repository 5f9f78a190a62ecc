package dev.rtvoice.upstreamsim.realtime;

import dev.rtvoice.upstreamsim.ApiKeyCheck;
import dev.rtvoice.upstreamsim.OpenAiErrors;
import io.vertx.ext.web.Router;

/**
 * The call endpoints of the REST API: {@code POST /v1/realtime/calls/{call_id}/hangup} ends a call as
 * OpenAI's does (API key only; every connection of the call is closed, the call refuses new ones).
 */
public final class CallsApi {
  private final ApiKeyCheck apiKey;
  private final SidebandServer calls;

  public CallsApi(ApiKeyCheck apiKey, SidebandServer calls) {
    this.apiKey = apiKey;
    this.calls = calls;
  }

  public void mount(Router router) {
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
}
