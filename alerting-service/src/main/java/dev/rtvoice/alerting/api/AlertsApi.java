package dev.rtvoice.alerting.api;

import dev.rtvoice.alerting.evaluation.EvaluationVerticle;
import dev.rtvoice.common.http.ApiException;
import dev.rtvoice.common.http.JsonErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * {@code GET /v1/alerts}, {@code GET /v1/rules} and {@code GET /v1/rules/:name}. The evaluation verticle owns its
 * state on its own thread; the routes ask it over the local event bus, so nothing is shared.
 */
public final class AlertsApi {
  private static final Set<String> STATES = Set.of("pending", "firing");
  private static final long QUERY_TIMEOUT_MS = 5_000;

  private final Vertx vertx;

  private AlertsApi(Vertx vertx) {
    this.vertx = vertx;
  }

  public static void mount(Router router, Vertx vertx) {
    AlertsApi api = new AlertsApi(vertx);
    router.get("/v1/alerts").handler(api::alerts);
    router.get("/v1/rules").handler(ctx -> api.reply(ctx, new JsonObject().put("what", "rules")));
    router.get("/v1/rules/:name").handler(ctx ->
        api.reply(ctx, new JsonObject().put("what", "rule").put("name", ctx.pathParam("name"))));
  }

  private void alerts(RoutingContext ctx) {
    String state = single(ctx, "state");
    if (state != null && !STATES.contains(state)) {
      throw ApiException.badRequest("state", "must be pending or firing");
    }
    String alertname = single(ctx, "alertname");
    reply(ctx, new JsonObject().put("what", "alerts").put("state", state).put("alertname", alertname));
  }

  private static String single(RoutingContext ctx, String name) {
    var values = ctx.queryParam(name);
    if (values.size() > 1) {
      throw ApiException.badRequest(name, "must be given at most once");
    }
    if (values.isEmpty()) {
      return null;
    }
    if (values.get(0).isBlank()) {
      throw ApiException.badRequest(name, "must not be empty");
    }
    return values.get(0);
  }

  private void reply(RoutingContext ctx, JsonObject query) {
    Future<Message<JsonObject>> answer = vertx.eventBus().request(EvaluationVerticle.QUERY_ADDRESS, query,
        new DeliveryOptions().setSendTimeout(QUERY_TIMEOUT_MS));
    answer.onSuccess(m -> ctx.response().putHeader("content-type", "application/json").end(m.body().toBuffer()))
        .onFailure(e -> {
          if (e instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
            String code = r.failureCode() == 404 ? "not_found" : "invalid_request";
            JsonErrors.send(ctx, r.failureCode() == 404 ? 404 : 400, code, r.getMessage(), null);
          } else {
            // the evaluation verticle is not deployed (starting or stopping) or did not answer in time
            JsonErrors.send(ctx, 503, "unavailable", "the alert engine is not available", null);
          }
        });
  }
}
