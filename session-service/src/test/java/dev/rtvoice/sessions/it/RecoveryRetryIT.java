package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A recover retried with its {@code recovery_id} (as after a 503 whose first attempt was written after
 * all) is applied once through the whole path: HTTP, the command log, the owner.
 */
@ExtendWith(KafkaBrokerExtension.class)
class RecoveryRetryIT {
  private static Harness.Service service;
  private static String base;

  @BeforeAll
  static void start(TestKafka kafka) throws Exception {
    service = new Harness.Service(Harness.env(kafka, Map.of()));
    base = service.base;
  }

  @AfterAll
  static void stop() throws Exception {
    if (service != null) {
      service.close();
    }
  }

  private static Http.Response recover(Harness.Client c, String body) {
    return Http.post(base + "/v1/sessions/" + c.sessionId + "/recover", body, "Authorization", "Bearer " + c.token);
  }

  @Test
  void aRetryWithTheSameRecoveryIdIsAnsweredWithThePlanAndAppliedOnce() {
    Harness.Client c = new Harness.Client(base, "rts_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20));
    c.send("client.connected");
    c.awaitPhase("LISTENING");
    String body = new JsonObject().put("reason", "ice_failed").put("recovery_id", "rec_1").encode();

    Http.Response first = recover(c, body);
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    Http.Response retry = recover(c, body);
    assertThat(retry.status()).as(retry.body()).isEqualTo(200);
    assertThat(retry.json().getJsonObject("plan").getString("class")).isEqualTo("transport");
    assertThat(retry.json().getString("phase")).isEqualTo("RECOVERING");

    JsonObject state = c.await("the retry counted as a duplicate",
        s -> s.getJsonObject("counters").getInteger("duplicates") == 1);
    assertThat(state.getJsonObject("counters").getInteger("reconnects_transport")).isEqualTo(1);

    // another id is another recovery
    recover(c, new JsonObject().put("reason", "ice_failed").put("recovery_id", "rec_2").encode());
    c.await("the second recovery", s -> s.getJsonObject("counters").getInteger("reconnects_transport") == 2);
  }

  @Test
  void aMalformedRecoveryIdIsA400NamingItAndWritesNothing() {
    Harness.Client c = new Harness.Client(base, "rts_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20));
    c.send("client.connected");
    c.awaitPhase("LISTENING");
    for (Object bad : new Object[] {"has space", "x".repeat(129), 42}) {
      Http.Response r = recover(c, new JsonObject().put("reason", "ice_failed").put("recovery_id", bad).encode());
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.error().getString("message")).as(r.body()).contains("recovery_id");
    }
    assertThat(c.get().json().getJsonObject("counters").getInteger("reconnects_transport")).isZero();
    assertThat(c.get().json().getString("phase")).isEqualTo("LISTENING");
  }
}
