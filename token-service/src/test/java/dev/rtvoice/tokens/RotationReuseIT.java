package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rotation token works once, across two token-service instances that share only Kafka (the
 * rotation ledger) and the simulator: a reused token is refused and revokes the session on every
 * instance, a retry after a lost answer gets the same answer, concurrent uses hand out one answer,
 * and a new instance reads the ledger back.
 */
@ExtendWith(KafkaBrokerExtension.class)
class RotationReuseIT {
  private static final Map<String, String> ENV = Map.of("ROTATION_REPLAY_GRACE", "5s",
      "RATE_LIMIT_USER_PER_MINUTE", "0", "RATE_LIMIT_DEVICE_PER_MINUTE", "0");
  private static TokenServiceHarness a;
  private static TokenServiceHarness b;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    a = TokenServiceHarness.start(kafka, ENV);
    b = TokenServiceHarness.another(a, ENV);
  }

  @AfterAll
  static void stop() throws Exception {
    b.close();
    a.close();
  }

  /** An issuance (201) or a rotation (200). */
  private static JsonObject ok(Http.Response r) {
    assertThat(r.status()).as(r.body()).isIn(200, 201);
    return r.json();
  }

  private static Http.Response rotate(TokenServiceHarness on, String user, JsonObject from) {
    return on.rotate(user, "phone", from.getString("session_id"), from.getString("rotation_token"));
  }

  private static void assertRefused(Http.Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(401);
    assertThat(r.error().getString("code")).isEqualTo("session_expired");
    assertThat(r.error().getBoolean("reissue_token")).isTrue();
  }

  @Test
  void aReusedOldTokenOnTheOtherInstanceIsRefusedAndRevokesTheSessionEverywhere() {
    JsonObject g0 = ok(a.issue("alice", "phone", null));
    String sessionId = g0.getString("session_id");
    JsonObject g1 = ok(rotate(a, "alice", g0));
    JsonObject g2 = ok(rotate(b, "alice", g1));
    assertThat(g2.getInteger("generation")).isEqualTo(2);
    double reusedBefore = b.metric("token_denied_total", "reason=\"reused\"");
    long minted = a.simSecretCalls();

    // generation 0 after 1 and 2 were issued: refused, never a second generation 1
    Http.Response reuse = rotate(b, "alice", g0);
    assertRefused(reuse);
    assertThat(reuse.error().getString("message")).contains("already used");
    assertThat(a.simSecretCalls()).as("a reuse mints nothing").isEqualTo(minted);
    assertThat(b.metric("token_denied_total", "reason=\"reused\"")).isEqualTo(reusedBefore + 1);

    // the whole family is revoked, on both instances: the latest token no longer rotates either
    Http.Response latestOnA = rotate(a, "alice", g2);
    assertRefused(latestOnA);
    assertThat(latestOnA.error().getString("message")).contains("revoked");
    assertRefused(rotate(b, "alice", g2));

    List<EventEnvelope> events = a.kafka.readEventsUntil(a.tokenTopic(), es -> es.stream().anyMatch(e ->
        e.type() == EventType.TOKEN_DENIED && sessionId.equals(e.sessionId())
            && "reused".equals(e.payload().getString("reason"))), Duration.ofSeconds(15));
    EventEnvelope denied = events.stream().filter(e -> e.type() == EventType.TOKEN_DENIED
        && sessionId.equals(e.sessionId()) && "reused".equals(e.payload().getString("reason"))).findFirst()
        .orElseThrow();
    assertThat(denied.payload().getString("detail")).isEqualTo("generation 0, latest 2");
    assertThat(denied.payload().getString("user_id")).isEqualTo("alice");
    assertThat(denied.payload().getString("operation")).isEqualTo("rotate");
  }

  @Test
  void aRetryOfTheLatestTokenAfterALostAnswerGetsTheSameAnswerOnEitherInstanceAndForksNothing() {
    JsonObject g0 = ok(a.issue("bob", "phone", null));
    String sessionId = g0.getString("session_id");
    JsonObject first = ok(rotate(a, "bob", g0));
    long minted = a.simSecretCalls();
    double replaysBefore = b.metric("token_rotation_replays_total", "");

    // the answer to the first rotation was lost: the client sends generation 0 again, to any instance
    JsonObject again = ok(rotate(b, "bob", g0));
    assertThat(again).isEqualTo(first);
    assertThat(ok(rotate(a, "bob", g0))).isEqualTo(first);
    assertThat(a.simSecretCalls()).as("a replay mints nothing").isEqualTo(minted);
    assertThat(b.metric("token_rotation_replays_total", "")).isEqualTo(replaysBefore + 1);

    // one chain: the replayed token rotates on, and generation 0 is now a reuse
    JsonObject second = ok(rotate(b, "bob", again));
    assertThat(second.getInteger("generation")).isEqualTo(2);
    assertRefused(rotate(a, "bob", g0));

    // the rotation's event is on Kafka, written again by each replay with the same event_id
    List<EventEnvelope> events = a.kafka.readEventsUntil(a.tokenTopic(), es -> es.stream().anyMatch(e ->
        e.type() == EventType.TOKEN_ROTATED && sessionId.equals(e.sessionId())
            && e.payload().getInteger("generation") == 2), Duration.ofSeconds(15));
    Set<String> generationOneIds = events.stream().filter(e -> e.type() == EventType.TOKEN_ROTATED
            && sessionId.equals(e.sessionId()) && e.payload().getInteger("generation") == 1)
        .map(e -> e.eventId().toString()).collect(Collectors.toSet());
    assertThat(generationOneIds).hasSize(1);
  }

  @Test
  void concurrentUsesOfOneTokenOnBothInstancesHandOutOneAnswer() throws Exception {
    JsonObject g0 = ok(a.issue("carol", "phone", null));
    int uses = 6;
    ExecutorService pool = Executors.newFixedThreadPool(uses);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Http.Response>> results = new ArrayList<>();
    try {
      for (int i = 0; i < uses; i++) {
        TokenServiceHarness on = i % 2 == 0 ? a : b;
        results.add(pool.submit(() -> {
          go.await();
          return rotate(on, "carol", g0);
        }));
      }
      go.countDown();
      List<JsonObject> answers = new ArrayList<>();
      for (Future<Http.Response> f : results) {
        answers.add(ok(f.get(30, TimeUnit.SECONDS)));
      }
      // every use within the grace got the answer of the one rotation that came first in the ledger
      assertThat(answers.stream().map(x -> x.getString("rotation_token")).distinct()).hasSize(1);
      assertThat(answers.stream().map(x -> x.getString("value")).distinct()).hasSize(1);
      assertThat(ok(rotate(b, "carol", answers.get(0))).getInteger("generation")).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void afterTheGraceTheTokenOfTheLatestRotationIsAReuseToo() throws Exception {
    JsonObject g0 = ok(a.issue("dave", "phone", null));
    JsonObject g1 = ok(rotate(a, "dave", g0));
    Thread.sleep(5_500); // past ROTATION_REPLAY_GRACE
    assertRefused(rotate(b, "dave", g0));
    assertRefused(rotate(a, "dave", g1));
  }

  @Test
  void aNewInstanceReadsTheLedgerBackBeforeItIsReady() throws Exception {
    JsonObject g0 = ok(a.issue("erin", "phone", null));
    JsonObject g1 = ok(rotate(a, "erin", g0));
    ok(rotate(b, "erin", g1));
    try (TokenServiceHarness c = TokenServiceHarness.another(a, ENV)) {
      // ready only once restored: the families are there before any request
      assertThat(c.metric("token_rotation_families", "")).isGreaterThanOrEqualTo(1);
      long minted = a.simSecretCalls();
      assertRefused(rotate(c, "erin", g0));
      assertThat(a.simSecretCalls()).as("refused from the restored state, before any upstream call")
          .isEqualTo(minted);
    }
  }
}
