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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A flood of requests that need no valid credential (no JWT: 401) is answered in full, every refusal
 * counted, but its {@code token.denied} events are written within the instance's budget
 * ({@code TOKEN_DENIED_EVENTS_PER_SECOND}, 1 here: a burst of 2, then 1 a second), not at the
 * sender's rate; a user's issuance meanwhile is answered as usual and its event written; a reused
 * rotation token's denial is written however much of the budget a flood has spent.
 */
@ExtendWith(KafkaBrokerExtension.class)
class DeniedFloodIT {
  @Test
  void aFloodOfBadRequestsIsAnsweredInFullButWrittenWithinTheBudget(TestKafka kafka) throws Exception {
    try (TokenServiceHarness h = TokenServiceHarness.start(kafka, Map.of("TOKEN_DENIED_EVENTS_PER_SECOND", "1"))) {
      int n = 300;
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        Http.Response r = h.post("/v1/sessions", "{}", "X-Device-ID", "flood-" + (i % 7));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.error().getString("code")).isEqualTo("unauthenticated");
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Http.Response issued = h.issue("ada", "phone", null);
      assertThat(issued.status()).isEqualTo(201);

      assertThat(h.metric("token_denied_total", "reason=\"unauthenticated\"")).isEqualTo(n);
      long dropped = (long) h.metric("token_denied_events_dropped_total", "reason=\"unauthenticated\"");
      long maxWritten = 2 + (long) Math.ceil(seconds) + 1;
      assertThat(dropped).as("refusals not written in %.1f s", seconds).isGreaterThanOrEqualTo(n - maxWritten);

      // every refusal is either on the topic or counted as not written, and the issuance's event is there
      List<EventEnvelope> events = h.kafka.readEventsUntil(h.tokenTopic(),
          es -> denied(es) + dropped >= n && es.stream().anyMatch(e -> e.type() == EventType.TOKEN_ISSUED),
          Duration.ofSeconds(20));
      assertThat(denied(events)).isEqualTo(n - dropped).isBetween(2L, maxWritten);
      assertThat(events.stream().filter(e -> e.type() == EventType.TOKEN_ISSUED)
          .map(e -> e.payload().getString("user_id"))).containsExactly("ada");

      // a reused rotation token (a stolen one) is written whatever a flood has spent of the budget
      JsonObject session = h.issue("bo", "phone", null).json();
      String first = session.getString("rotation_token");
      Http.Response second = h.rotate("bo", "phone", session.getString("session_id"), first);
      assertThat(second.status()).isEqualTo(200);
      // the token before the latest rotation's (a retry of the latest within the replay grace is no reuse)
      assertThat(h.rotate("bo", "phone", session.getString("session_id"),
          second.json().getString("rotation_token")).status()).isEqualTo(200);
      for (int i = 0; i < 50; i++) {
        assertThat(h.post("/v1/sessions", "{}", "X-Device-ID", "flood").status()).isEqualTo(401);
      }
      Http.Response reused = h.rotate("bo", "phone", session.getString("session_id"), first);
      assertThat(reused.status()).isEqualTo(401);
      assertThat(h.kafka.readEventsUntil(h.tokenTopic(), es -> es.stream().anyMatch(DeniedFloodIT::reused),
          Duration.ofSeconds(20)).stream().filter(DeniedFloodIT::reused).map(EventEnvelope::sessionId))
          .containsExactly(session.getString("session_id"));
      assertThat(h.metric("token_denied_events_dropped_total", "reason=\"reused\"")).isZero();
    }
  }

  private static boolean reused(EventEnvelope e) {
    return e.type() == EventType.TOKEN_DENIED && "reused".equals(e.payload().getString("reason"));
  }

  private static long denied(List<EventEnvelope> events) {
    return events.stream().filter(e -> e.type() == EventType.TOKEN_DENIED
        && "unauthenticated".equals(e.payload().getString("reason"))).count();
  }
}
