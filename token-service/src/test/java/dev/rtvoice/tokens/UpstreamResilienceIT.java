package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Upstream failures injected into upstream-sim (real HTTP): what is retried, what is not, how long
 * retries may take, and when the circuit breaker fails fast. Every event is read back from Kafka.
 */
@ExtendWith(KafkaBrokerExtension.class)
class UpstreamResilienceIT {
  private static final SessionHandleCodec CODEC =
      new SessionHandleCodec(SessionHandleCodec.DEV_KEY, null, Clock.systemUTC());
  private static TokenServiceHarness h;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    h = TokenServiceHarness.start(kafka, Map.of(
        "UPSTREAM_MAX_ATTEMPTS", "4",
        "UPSTREAM_BREAKER_FAILURES", "6",
        "UPSTREAM_BREAKER_RESET", "1s",
        "RATE_LIMIT_USER_PER_MINUTE", "0",
        "RATE_LIMIT_DEVICE_PER_MINUTE", "0"));
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  /** Every test starts with no pending faults and a closed breaker with no failures counted. */
  @BeforeEach
  void healthyUpstream() {
    h.resetSim();
    Eventually.await("breaker closed", () -> h.issue("warmup", "w", null).status() == 201, Duration.ofSeconds(10));
  }

  private static EventEnvelope awaitEvent(Predicate<EventEnvelope> match) {
    List<EventEnvelope> events = h.kafka.readEventsUntil(h.tokenTopic(), es -> es.stream().anyMatch(match),
        Duration.ofSeconds(15));
    return events.stream().filter(match).findFirst()
        .orElseThrow(() -> new AssertionError("no matching event among " + events.size()));
  }

  private static double metric(String line) {
    return h.get("/metrics").body().lines().filter(l -> l.startsWith(line)).mapToDouble(
        l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void upstream500ThenSuccessIsRetried() {
    long calls = h.simSecretCalls();
    h.fault(500, 1, 0, 0);
    Http.Response r = h.issue("ivan", "d", null);
    assertThat(r.status()).isEqualTo(201);
    assertThat(h.validateSecret(r.json().getString("value")).getBoolean("valid")).isTrue();
    assertThat(h.simSecretCalls()).isEqualTo(calls + 2);
    assertThat(metric("upstream_attempts_total{result=\"server_error\"")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void upstream429IsRetriedNoSoonerThanItsRetryAfter() {
    long calls = h.simSecretCalls();
    h.fault(429, 1, 1, 0);
    long start = System.nanoTime();
    Http.Response r = h.issue("judy", "d", null);
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.status()).isEqualTo(201);
    assertThat(elapsedMs).isGreaterThanOrEqualTo(1_000);
    assertThat(h.simSecretCalls()).isEqualTo(calls + 2);
  }

  @Test
  void anUpstreamThatDoesNotAnswerInTimeIsRetriedThenReportedAsATimeout() {
    h.fault(0, 1, 0, 1_500);
    long start = System.nanoTime();
    Http.Response retried = h.issue("ken", "d", null);
    assertThat(retried.status()).isEqualTo(201);
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(500);

    h.fault(0, 20, 0, 5_000);
    start = System.nanoTime();
    Http.Response timedOut = h.issue("ken", "d", null);
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(timedOut.status()).isEqualTo(504);
    assertThat(timedOut.error().getString("code")).isEqualTo("upstream_timeout");
    // four attempts of 500 ms each plus short backoffs, well within the 3 s total
    assertThat(elapsedMs).isBetween(1_900L, 3_500L);
  }

  @Test
  void upstream401IsNeverRetriedAndIsReportedAsAnUpstreamRejection() {
    long calls = h.simSecretCalls();
    h.fault(401, 1, 0, 0);
    Http.Response r = h.issue("leo", "kiosk", null);
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.error().getString("code")).isEqualTo("upstream_auth_rejected");
    assertThat(h.simSecretCalls()).isEqualTo(calls + 1);

    EventEnvelope rejected = awaitEvent(e -> e.type() == EventType.TOKEN_UPSTREAM_REJECTED
        && "kiosk".equals(e.payload().getString("device_id")));
    assertThat(rejected.payload().getInteger("status")).isEqualTo(401);
    assertThat(rejected.payload().getString("operation")).isEqualTo("issue");
    assertThat(rejected.payload().getString("user_id")).isEqualTo("leo");
    assertThat(rejected.sessionId()).startsWith("rts_");
    assertThat(metric("upstream_auth_rejected_total{service=\"token-service\",status=\"401\"}")).isEqualTo(1);

    h.fault(403, 1, 0, 0);
    assertThat(h.issue("leo", "kiosk", null).error().getString("code")).isEqualTo("upstream_auth_rejected");
    assertThat(h.simSecretCalls()).isEqualTo(calls + 2);
  }

  @Test
  void aRotationThatFinallyFailsAdvisesANewSessionAndIsAnEvent() {
    JsonObject session = h.issue("mia", "car", null).json();
    String sessionId = session.getString("session_id");
    long calls = h.simSecretCalls();
    h.fault(502, 10, 0, 0);

    Http.Response r = h.rotate("mia", "car", sessionId, session.getString("rotation_token"));
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.error().getString("code")).isEqualTo("rotation_failed");
    assertThat(r.error().getString("reason")).isEqualTo("upstream_5xx");
    assertThat(r.error().getBoolean("reissue_token")).isTrue();
    assertThat(h.simSecretCalls()).isEqualTo(calls + 4);

    EventEnvelope failed = awaitEvent(e -> e.type() == EventType.TOKEN_ROTATION_FAILED
        && sessionId.equals(e.sessionId()));
    assertThat(failed.payload().getString("reason")).isEqualTo("upstream_5xx");
    assertThat(failed.payload().getInteger("attempts")).isEqualTo(4);
    assertThat(failed.payload().getBoolean("reissue_token")).isTrue();
    assertThat(failed.payload().getString("user_id")).isEqualTo("mia");
    assertThat(failed.payload().getString("device_id")).isEqualTo("car");
    assertThat(failed.payload().getLong("total_ms")).isGreaterThanOrEqualTo(0);
    assertThat(metric("session_rotate_fail_total{reason=\"upstream_5xx\"")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void rotationRetriesStopWhenTheCurrentSecretRunsOut() {
    JsonObject session = h.issue("nina", "car", null).json();
    String sessionId = session.getString("session_id");
    Instant now = Instant.now();
    // the caller's current secret has at most one second left
    String nearlyExpired = CODEC.sign(new SessionHandle(sessionId, "nina", "car", 0, now.minusSeconds(299),
        now.plusSeconds(1), now.plusSeconds(61)));
    h.fault(0, 20, 0, 5_000);
    long start = System.nanoTime();
    Http.Response r = h.rotate("nina", "car", sessionId, nearlyExpired);
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.error().getString("reason")).isEqualTo("upstream_timeout");
    assertThat(r.error().getInteger("attempts")).isBetween(1, 3);
    // the 3 s total would allow four attempts; the secret's last second allows one or two
    assertThat(elapsedMs).isLessThan(1_700);
  }

  @Test
  void aRotationRejectedForOurKeyIsBothARotationFailureAndAnUpstreamRejection() {
    JsonObject session = h.issue("olga", "pc", null).json();
    String sessionId = session.getString("session_id");
    h.fault(403, 1, 0, 0);
    Http.Response r = h.rotate("olga", "pc", sessionId, session.getString("rotation_token"));
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.error().getString("reason")).isEqualTo("upstream_auth");
    assertThat(awaitEvent(e -> e.type() == EventType.TOKEN_UPSTREAM_REJECTED && sessionId.equals(e.sessionId()))
        .payload().getString("operation")).isEqualTo("rotate");
    assertThat(awaitEvent(e -> e.type() == EventType.TOKEN_ROTATION_FAILED && sessionId.equals(e.sessionId()))
        .payload().getInteger("attempts")).isEqualTo(1);
  }

  @Test
  void theCircuitOpensOnRepeatedFailuresFailsFastAndClosesAfterAProbe() {
    JsonObject session = h.issue("pat", "tv", null).json();
    h.fault(500, 100, 0, 0);
    // four failed attempts, then two more: the sixth opens the breaker
    assertThat(h.issue("pat", "tv", null).error().getString("code")).isEqualTo("upstream_error");
    Http.Response opened = h.issue("pat", "tv", null);
    assertThat(opened.status()).isEqualTo(503);
    assertThat(opened.error().getString("code")).isEqualTo("upstream_unavailable");
    assertThat(metric("upstream_circuit_state")).isEqualTo(2);

    long calls = h.simSecretCalls();
    long start = System.nanoTime();
    Http.Response fast = h.issue("pat", "tv", null);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(200);
    assertThat(fast.status()).isEqualTo(503);
    assertThat(fast.error().getLong("retry_after_ms")).isBetween(1L, 1_000L);
    assertThat(fast.header("Retry-After")).isEqualTo("1");
    Http.Response rotation = h.rotate("pat", "tv", session.getString("session_id"),
        session.getString("rotation_token"));
    assertThat(rotation.status()).isEqualTo(502);
    assertThat(rotation.error().getString("reason")).isEqualTo("circuit_open");
    assertThat(h.simSecretCalls()).as("no call reaches upstream while open").isEqualTo(calls);
    assertThat(awaitEvent(e -> e.type() == EventType.TOKEN_ROTATION_FAILED
        && session.getString("session_id").equals(e.sessionId())).payload().getString("reason"))
        .isEqualTo("circuit_open");

    h.resetSim();
    Eventually.await("breaker lets a probe through and closes", () -> h.issue("pat", "tv", null).status() == 201,
        Duration.ofSeconds(5));
    assertThat(metric("upstream_circuit_state")).isZero();
  }
}
