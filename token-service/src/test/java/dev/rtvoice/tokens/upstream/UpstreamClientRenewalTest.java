package dev.rtvoice.tokens.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.tokens.config.UpstreamSettings;
import dev.rtvoice.tokens.domain.SessionSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * When the circuit opens, the client starts a fresh pool: a probe must not wait behind connections
 * held by calls upstream never answers. Real HTTP on loopback; the pool has one connection.
 */
@ExtendWith(VertxExtension.class)
class UpstreamClientRenewalTest {
  private static final SessionSettings SESSION = new SessionSettings("gpt-realtime", "marin", 300);
  private static final long TIMEOUT_MS = 2_000;

  @Test
  void aProbeAfterRenewalDoesNotQueueBehindACallThatNeverAnswers(Vertx vertx, VertxTestContext test) {
    withHangingUpstream(vertx, test, client -> {
      long renewedAt = System.nanoTime();
      client.renewConnections();
      client.mint(SESSION, TIMEOUT_MS).onComplete(test.succeeding(secret -> test.verify(() -> {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - renewedAt);
        assertTrue(secret.value().startsWith("ek_"));
        assertTrue(ms < TIMEOUT_MS / 2, "the probe went out on a fresh connection at once, took " + ms + " ms");
        client.close();
        test.completeNow();
      })));
    });
  }

  /** The control: without a renewal the same call waits behind the held connection until its timeout. */
  @Test
  void withoutRenewalTheCallWaitsBehindTheHeldConnection(Vertx vertx, VertxTestContext test) {
    withHangingUpstream(vertx, test, client -> {
      long sentAt = System.nanoTime();
      client.mint(SESSION, TIMEOUT_MS).onComplete(ar -> test.verify(() -> {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt);
        assertTrue(ar.failed(), "no connection came free");
        assertTrue(ms >= TIMEOUT_MS * 9 / 10, "it waited for its timeout: " + ms + " ms");
        client.close();
        test.completeNow();
      }));
    });
  }

  /** An upstream that never answers its first call; the client's only connection is held by it. */
  private static void withHangingUpstream(Vertx vertx, VertxTestContext test,
                                          java.util.function.Consumer<UpstreamClient> then) {
    AtomicInteger seen = new AtomicInteger();
    vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      if (seen.incrementAndGet() == 1) {
        return;
      }
      req.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("value", "ek_" + seen.get()).put("expires_at", System.currentTimeMillis() / 1000 + 300)
          .put("session", new JsonObject()).encode());
    })).listen(0, "127.0.0.1").onComplete(test.succeeding(server -> {
      UpstreamSettings settings = UpstreamSettings.fromEnv(new Env(Map.of(
          "UPSTREAM_BASE_URL", "http://127.0.0.1:" + server.actualPort(),
          "OPENAI_API_KEY", "sk-test",
          "UPSTREAM_MAX_CONNECTIONS", "1")));
      UpstreamClient client = new UpstreamClient(vertx, settings, "be brief", new JsonArray(), Clock.systemUTC());
      client.mint(SESSION, 30_000);
      vertx.setTimer(300, t -> {
        test.verify(() -> assertEquals(1, seen.get(), "the first call reached upstream and holds the connection"));
        then.accept(client);
      });
    }));
  }
}
