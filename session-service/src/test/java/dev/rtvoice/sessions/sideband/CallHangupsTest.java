package dev.rtvoice.sessions.sideband;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.sessions.config.UpstreamSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hang-up request against a scripted upstream: what is retried, what is done, what is given up. */
class CallHangupsTest {
  private Vertx vertx;
  private HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile int failWith;
  private volatile int answer;
  private CallHangups hangups;
  private SimpleMeterRegistry registry;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> {
      seen.add(req.method() + " " + req.path() + " " + req.getHeader("Authorization"));
      int status = failuresLeft.getAndDecrement() > 0 ? failWith : answer;
      req.response().setStatusCode(status).end();
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    UpstreamSettings settings = UpstreamSettings.fromEnv(new Env(Map.of(
        "UPSTREAM_BASE_URL", "http://127.0.0.1:" + server.actualPort(), "OPENAI_API_KEY", "sk-hangup-test",
        "SIDEBAND_BACKOFF_MIN", "10ms", "SIDEBAND_BACKOFF_MAX", "50ms")));
    registry = new SimpleMeterRegistry();
    hangups = new CallHangups(vertx, settings, registry);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private CallHangups.Result hangUp(String callId) throws Exception {
    return hangups.hangUp(callId, "abandoned").await(20, TimeUnit.SECONDS);
  }

  @Test
  void postsWithTheKeyAndRetriesServerErrors() throws Exception {
    answer = 200;
    failWith = 503;
    failuresLeft.set(2);
    assertThat(hangUp("rtc_abc")).isEqualTo(CallHangups.Result.HUNG_UP);
    assertThat(seen).hasSize(3).allMatch(s -> s.equals("POST /v1/realtime/calls/rtc_abc/hangup Bearer sk-hangup-test"));
    assertThat(registry.get("session_call_hangups_total").tag("reason", "abandoned").tag("result", "hung_up")
        .counter().count()).isEqualTo(1.0);
  }

  @Test
  void aCallAlreadyGoneIsDone() throws Exception {
    answer = 404;
    assertThat(hangUp("rtc_gone")).isEqualTo(CallHangups.Result.ALREADY_GONE);
    assertThat(seen).hasSize(1);
  }

  @Test
  void aRefusedKeyIsNotRetriedAndRetriesAreBounded() throws Exception {
    answer = 401;
    assertThat(hangUp("rtc_key")).isEqualTo(CallHangups.Result.FAILED);
    assertThat(seen).hasSize(1);
    seen.clear();
    failWith = 500;
    failuresLeft.set(100);
    assertThat(hangUp("rtc_down")).isEqualTo(CallHangups.Result.FAILED);
    assertThat(seen).hasSize(CallHangups.MAX_ATTEMPTS);
  }

  @Test
  void withoutAnApiKeyNothingIsSent() throws Exception {
    CallHangups off = new CallHangups(vertx, UpstreamSettings.fromEnv(new Env(Map.of())), registry);
    assertThat(off.hangUp("rtc_x", "abandoned").await(5, TimeUnit.SECONDS)).isEqualTo(CallHangups.Result.DISABLED);
    assertThat(seen).isEmpty();
  }
}
