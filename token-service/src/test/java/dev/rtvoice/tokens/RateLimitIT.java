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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Per-device and per-user token buckets, with 429 + Retry-After and a token.denied event. */
@ExtendWith(KafkaBrokerExtension.class)
class RateLimitIT {
  private static TokenServiceHarness h;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    h = TokenServiceHarness.start(kafka, Map.of(
        "RATE_LIMIT_DEVICE_PER_MINUTE", "6", "RATE_LIMIT_DEVICE_BURST", "2",
        "RATE_LIMIT_USER_PER_MINUTE", "6", "RATE_LIMIT_USER_BURST", "3"));
  }

  @AfterAll
  static void stop() throws Exception {
    h.close();
  }

  @Test
  void aDeviceThenAUserIsLimitedAndTold() {
    assertThat(h.issue("quinn", "phone", null).status()).isEqualTo(201);
    JsonObject session = h.issue("quinn", "phone", null).json();
    long calls = h.simSecretCalls();

    // the device's burst of 2 is spent; rotations count too
    Http.Response limited = h.rotate("quinn", "phone", session.getString("session_id"),
        session.getString("rotation_token"));
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.error().getString("code")).isEqualTo("rate_limited");
    assertThat(limited.error().getString("message")).contains("device");
    long retryAfterMs = limited.error().getLong("retry_after_ms");
    assertThat(retryAfterMs).isBetween(1L, 10_000L);
    assertThat(Integer.parseInt(limited.header("Retry-After"))).isEqualTo((int) ((retryAfterMs + 999) / 1000));

    // another device of the same user still has its own bucket, until the user's burst of 3 is spent
    assertThat(h.issue("quinn", "tablet", null).status()).isEqualTo(201);
    Http.Response user = h.issue("quinn", "laptop", null);
    assertThat(user.status()).isEqualTo(429);
    assertThat(user.error().getString("message")).contains("user");
    // another user is not affected
    assertThat(h.issue("rick", "phone", null).status()).isEqualTo(201);
    assertThat(h.simSecretCalls()).isEqualTo(calls + 2);

    List<EventEnvelope> denied = h.kafka.readEventsUntil(h.tokenTopic(), es -> es.stream()
        .filter(e -> e.type() == EventType.TOKEN_DENIED).count() >= 2, Duration.ofSeconds(15)).stream()
        .filter(e -> e.type() == EventType.TOKEN_DENIED).toList();
    assertThat(denied).hasSize(2);
    EventEnvelope rotate = denied.stream().filter(e -> "rotate".equals(e.payload().getString("operation")))
        .findFirst().orElseThrow();
    assertThat(rotate.sessionId()).isEqualTo(session.getString("session_id"));
    assertThat(rotate.payload().getString("reason")).isEqualTo("rate_limited");
    assertThat(rotate.payload().getString("user_id")).isEqualTo("quinn");
    assertThat(rotate.payload().getString("device_id")).isEqualTo("phone");
    assertThat(rotate.payload().getString("detail")).isEqualTo("device");
    EventEnvelope issue = denied.stream().filter(e -> "issue".equals(e.payload().getString("operation")))
        .findFirst().orElseThrow();
    assertThat(issue.sessionId()).isNull();
    assertThat(issue.payload().getString("detail")).isEqualTo("user");

    String metrics = h.get("/metrics").body();
    assertThat(metrics).contains("token_rate_limited_total{scope=\"device\"").contains(
        "token_rate_limited_total{scope=\"user\"");
  }
}
