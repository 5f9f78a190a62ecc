package dev.rtvoice.e2e.harness;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** An SRE's webhook endpoint: records every notification with the time it arrived. */
public final class WebhookReceiver implements AutoCloseable {
  /** One delivery: the Alertmanager-shaped payload and its arrival (epoch ms). */
  public record Delivery(long receivedAtMs, JsonObject payload) {}

  private final Vertx vertx = Vertx.vertx();
  private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  public WebhookReceiver(String host) throws Exception {
    this(host, 0);
  }

  public WebhookReceiver(String host, int port) throws Exception {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.post("/hook").handler(ctx -> {
      deliveries.add(new Delivery(System.currentTimeMillis(), ctx.body().asJsonObject()));
      ctx.response().setStatusCode(200).end();
    });
    server = vertx.createHttpServer().requestHandler(router).listen(port, host).await(10, TimeUnit.SECONDS);
  }

  public int port() {
    return server.actualPort();
  }

  public List<Delivery> deliveries() {
    return new ArrayList<>(deliveries);
  }

  /** Deliveries with an alert of this name in this status ("firing" or "resolved"). */
  public List<Delivery> matching(String alertname, String status) {
    Predicate<Delivery> has = d -> d.payload().getJsonArray("alerts", new io.vertx.core.json.JsonArray()).stream()
        .map(JsonObject.class::cast)
        .anyMatch(a -> alertname.equals(a.getJsonObject("labels", new JsonObject()).getString("alertname"))
            && status.equals(a.getString("status")));
    return deliveries.stream().filter(has).toList();
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
