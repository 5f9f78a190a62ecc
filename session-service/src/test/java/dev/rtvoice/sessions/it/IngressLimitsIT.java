package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The ingress's rate limits on the real broker, with limits small enough to reach in a test: a
 * request over its session's or its user's budget (events or bytes) is a 429 {@code rate_limited} with
 * {@code Retry-After}, nothing of it is written, other sessions and users are not affected, and the
 * same request sent again after the wait is accepted and applied once.
 */
@ExtendWith(KafkaBrokerExtension.class)
class IngressLimitsIT {
  private static Harness.Service service;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    service = new Harness.Service(Harness.env(kafka, Map.of(
        "RATE_LIMIT_SESSION_EVENTS_PER_SECOND", "1",
        "RATE_LIMIT_SESSION_EVENTS_BURST", "4",
        "RATE_LIMIT_SESSION_BYTES_PER_SECOND", "1000",
        "RATE_LIMIT_SESSION_BYTES_BURST", "20000",
        // a user's budget refills slowly (one event per 20 s): what a test spends is not given back
        "RATE_LIMIT_USER_EVENTS_PER_SECOND", "0.05",
        "RATE_LIMIT_USER_EVENTS_BURST", "10",
        "RATE_LIMIT_USER_BYTES_PER_SECOND", "0")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (service != null) {
      service.close();
    }
  }

  private static String sid() {
    return "rts_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
  }

  private static JsonArray batch(Harness.Client c, int n, String type, Object... fields) {
    JsonArray events = new JsonArray();
    for (int i = 0; i < n; i++) {
      events.add(c.event(type, fields));
    }
    return events;
  }

  private static void assertRateLimited(Http.Response r, String scope, String limit) {
    assertThat(r.status()).as(r.body()).isEqualTo(429);
    assertThat(r.error().getString("code")).isEqualTo("rate_limited");
    assertThat(r.error().getString("scope")).isEqualTo(scope);
    assertThat(r.error().getString("limit")).isEqualTo(limit);
    long retryAfterMs = r.error().getLong("retry_after_ms");
    assertThat(retryAfterMs).isPositive();
    assertThat(Long.parseLong(r.header("Retry-After"))).isEqualTo(Math.max(1, (retryAfterMs + 999) / 1000));
  }

  @Test
  void aSessionOverItsEventBudgetIsRefusedWholeAndItsRetryAfterTheWaitIsAppliedOnce() throws Exception {
    Harness.Client c = new Harness.Client(service.base, sid());
    Harness.Client other = new Harness.Client(service.base, sid());
    JsonArray first = new JsonArray().add(c.event("client.connected"))
        .addAll(batch(c, 3, "client.network_changed", "network", "wifi"));
    assertThat(c.postBatch(first).status()).isEqualTo(202);

    JsonArray second = batch(c, 4, "client.network_changed", "network", "cellular");
    Http.Response refused = c.postBatch(second);
    assertRateLimited(refused, "session", "events");
    // an interrupt is a write too: same budget
    assertRateLimited(c.interrupt(new JsonObject().put("audio_end_ms", 10)), "session", "events");
    // another session (another user) is not affected
    assertThat(other.post(other.event("client.connected")).status()).isEqualTo(202);

    // nothing of the refused batch was written: the session has the first batch only
    JsonObject state = c.await("first batch applied", s -> s.getLong("last_ack_seq") == 4);
    assertThat(state.getJsonObject("counters").getInteger("network_changes")).isEqualTo(3);

    // the same batch again, after the wait the service asked for
    Thread.sleep(refused.error().getLong("retry_after_ms") + 50);
    Http.Response retried = c.postBatch(second);
    assertThat(retried.status()).as(retried.body()).isEqualTo(202);
    state = c.await("second batch applied", s -> s.getLong("last_ack_seq") == 8);
    assertThat(state.getJsonObject("counters").getInteger("network_changes")).isEqualTo(7);
    assertThat(state.getJsonObject("counters").getInteger("duplicates")).isZero();
    assertThat(state.getJsonObject("counters").getInteger("events_applied")).isEqualTo(8);

    Http.Response metrics = Http.get(service.base + "/metrics");
    assertThat(metrics.body()).containsPattern(
        "session_ingress_rejected_total\\{code=\"rate_limited\",endpoint=\"events\",service=\"session-service\"} [1-9]");
  }

  @Test
  void oneUsersSessionsShareTheUsersBudgetAndOtherUsersKeepTheirs() {
    Instant expires = Instant.now().plusSeconds(600);
    String id = sid();
    Harness.Client a = new Harness.Client(service.base, id + "a", userToken("u-shared", expires, id + "a"));
    Harness.Client b = new Harness.Client(service.base, id + "b", userToken("u-shared", expires, id + "b"));
    Harness.Client c = new Harness.Client(service.base, id + "c", userToken("u-shared", expires, id + "c"));
    Harness.Client stranger = new Harness.Client(service.base, sid());
    assertThat(a.postBatch(batch(a, 4, "client.connected")).status()).isEqualTo(202);
    assertThat(b.postBatch(batch(b, 4, "client.connected")).status()).isEqualTo(202);
    // c's own session budget is untouched, but the user has 2 of 10 events left
    assertRateLimited(c.postBatch(batch(c, 4, "client.connected")), "user", "events");
    assertThat(stranger.postBatch(batch(stranger, 4, "client.connected")).status()).isEqualTo(202);
    assertThat(c.get().status()).as("nothing of c was written").isEqualTo(404);
  }

  @Test
  void bytesAreLimitedApartFromEvents() {
    Harness.Client c = new Harness.Client(service.base, sid());
    String transcript = "x".repeat(4000);
    // 4 events of about 4 KB: 16 KB of a 20 KB burst
    assertThat(c.postBatch(batch(c, 4, "conversation.item.input_audio_transcription.completed", "transcript",
        transcript)).status()).isEqualTo(202);
    // the same again needs about 13 s of refill at 1,000 B/s (the events 4 s)
    Http.Response r = c.postBatch(batch(c, 4, "conversation.item.input_audio_transcription.completed", "transcript",
        transcript));
    assertRateLimited(r, "session", "bytes");
    assertThat(r.error().getLong("retry_after_ms")).isGreaterThan(5_000);
  }

  private static String userToken(String user, Instant expires, String sessionId) {
    Instant now = Instant.now();
    return Harness.CODEC.sign(new SessionHandle(sessionId, user, "device-1", 0, now.minusSeconds(1), expires,
        expires.plusSeconds(60)));
  }
}
