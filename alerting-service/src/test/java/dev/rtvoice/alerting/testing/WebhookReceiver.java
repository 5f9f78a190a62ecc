package dev.rtvoice.alerting.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP webhook receiver for tests: it records every call (body, arrival time, status it
 * answered). It can answer 503 to the first calls, or hang (never answer), to play a receiver that is
 * failing or down.
 */
public final class WebhookReceiver implements AutoCloseable {
  public record Call(JsonObject body, long arrivedNanos, int status) {}

  private final Vertx vertx = Vertx.vertx();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft;
  private final boolean hang;
  private final HttpServer server;

  private WebhookReceiver(int failFirst, boolean hang) {
    this.failuresLeft = new AtomicInteger(failFirst);
    this.hang = hang;
    this.server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      long at = System.nanoTime();
      if (hang) {
        calls.add(new Call(new JsonObject(body), at, 0));
        return; // never answers: the caller times out
      }
      int status = failuresLeft.getAndDecrement() > 0 ? 503 : 200;
      calls.add(new Call(new JsonObject(body), at, status));
      req.response().setStatusCode(status).end();
    })).listen(0, "127.0.0.1").await();
  }

  /** Answers 200 to everything. */
  public static WebhookReceiver healthy() {
    return new WebhookReceiver(0, false);
  }

  /** Answers 503 to the first {@code n} calls, then 200. */
  public static WebhookReceiver failingFirst(int n) {
    return new WebhookReceiver(n, false);
  }

  /** Takes the request and never answers. */
  public static WebhookReceiver hanging() {
    return new WebhookReceiver(0, true);
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/hook";
  }

  public List<Call> calls() {
    return new ArrayList<>(calls);
  }

  /** Calls answered 200, i.e. notifications delivered. */
  public List<JsonObject> delivered() {
    return calls.stream().filter(c -> c.status() == 200).map(Call::body).toList();
  }

  /** Delivered notifications of the given status ({@code firing} or {@code resolved}). */
  public List<JsonObject> delivered(String status) {
    return delivered().stream().filter(b -> status.equals(b.getString("status"))).toList();
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
