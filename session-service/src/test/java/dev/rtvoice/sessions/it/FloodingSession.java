package dev.rtvoice.sessions.it;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The hostile session of {@code FloodIsolationIT} and of {@code InterruptCancelLoadGenerator}'s
 * {@code flood} run: while it is on, once a second, {@code seq n}, then {@code n+2 .. n+21} of
 * {@code conversation.item.input_audio_transcription.completed} with 4,000-character transcripts
 * (about 82 KB a second, in three requests: a request's events are one command record, which must stay
 * under 64 KiB). The gap at {@code n+1} never fills, so the session holds, drops and breaks ordering
 * on the partition it shares with the measured sessions. Its very first event is {@code
 * client.connected}. Turning it on sends a round at once, then one a second; its requests go one after
 * the other on a connection of its own. Every answer is counted: 202, 429, anything else (kept).
 */
public final class FloodingSession {
  private static final String TRANSCRIPT = "flood ".repeat(667).substring(0, 4000);

  public final String sessionId;
  public final String token;
  private final Vertx vertx;
  private final Context context;
  private final HttpClient http;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger limited = new AtomicInteger();
  private final AtomicInteger other = new AtomicInteger();
  private volatile String lastOther = "";
  // confined to the context that runs the rounds
  private long timer = -1;
  private long nextSeq = 1;
  private long now = System.currentTimeMillis();

  public FloodingSession(Vertx vertx, int port, String sessionId) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.sessionId = sessionId;
    this.token = Harness.token(sessionId, Instant.now().plusSeconds(7200));
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setKeepAlive(true));
  }

  /** Starts flooding (a round now, then one a second) or stops; safe from any thread. */
  public void flood(boolean on) {
    context.runOnContext(v -> {
      if (on && timer < 0) {
        round();
        timer = vertx.setPeriodic(1000, t -> round());
      } else if (!on && timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    });
  }

  public int accepted() {
    return accepted.get();
  }

  public int limited() {
    return limited.get();
  }

  public int other() {
    return other.get();
  }

  public String lastOther() {
    return lastOther;
  }

  public String describe() {
    return accepted() + " flood requests accepted, " + limited() + " rate-limited, " + other()
        + " other answers" + (other() == 0 ? "" : " (last: " + lastOther + ")");
  }

  private void round() {
    Future<Void> chain = Future.succeededFuture();
    for (JsonArray events : nextRound()) {
      chain = chain.compose(v -> send(events));
    }
  }

  /** {@code seq n} (the very first is client.connected), then n+2 .. n+21 in two requests of ten. */
  private List<JsonArray> nextRound() {
    JsonArray first = new JsonArray().add(nextSeq == 1 ? event("client.connected", nextSeq) : transcript(nextSeq));
    JsonArray second = new JsonArray();
    JsonArray third = new JsonArray();
    for (long s = nextSeq + 2; s <= nextSeq + 21; s++) {
      (s <= nextSeq + 11 ? second : third).add(transcript(s));
    }
    nextSeq += 22;
    return List.of(first, second, third);
  }

  private Future<Void> send(JsonArray events) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/sessions/" + sessionId + "/events")
            .putHeader("Authorization", "Bearer " + token).putHeader("content-type", "application/json"))
        .compose(req -> req.send(new JsonObject().put("platform", "web").put("events", events).toBuffer()))
        .compose(resp -> resp.body().map(body -> {
          if (resp.statusCode() == 202) {
            accepted.incrementAndGet();
          } else if (resp.statusCode() == 429) {
            limited.incrementAndGet();
          } else {
            other.incrementAndGet();
            lastOther = resp.statusCode() + " " + body;
          }
          return (Void) null;
        }))
        .otherwise(e -> {
          other.incrementAndGet();
          lastOther = e.toString();
          return null;
        });
  }

  private JsonObject transcript(long seq) {
    return event("conversation.item.input_audio_transcription.completed", seq).put("transcript", TRANSCRIPT);
  }

  private JsonObject event(String type, long seq) {
    now = Math.max(now + 1, System.currentTimeMillis());
    return new JsonObject().put("type", type).put("seq", seq).put("occurred_at_ms", now);
  }
}
