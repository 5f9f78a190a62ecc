package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.domain.SecretFingerprint;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import dev.rtvoice.tokens.testing.TokenServiceProcess;
import dev.rtvoice.tokens.testing.TokenTopic;
import dev.rtvoice.upstreamsim.UpstreamSimVerticle;
import dev.rtvoice.upstreamsim.config.SimConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two token-service instances (JVMs of their own) on the real broker; one is SIGKILLed while
 * answering. The survivor keeps serving at once; once the group has dropped the dead member (its
 * session timeout) the survivor enforces the whole limit, one limit, not more; the killed instance,
 * restarted on its outbox (as a StatefulSet pod on its volume), delivers what it had answered, so every
 * 201 of both instances has its {@code token.issued}.
 */
@ExtendWith(KafkaBrokerExtension.class)
class InstanceKilledIT {
  // 1 per minute: nothing refills within the test; a device's burst of 4 is the limit both share
  private static final Map<String, String> ENV = Map.of(
      "RATE_LIMIT_DEVICE_PER_MINUTE", "1", "RATE_LIMIT_DEVICE_BURST", "4",
      "RATE_LIMIT_USER_PER_MINUTE", "1", "RATE_LIMIT_USER_BURST", "4",
      "KAFKA_SESSION_TIMEOUT", "6s");

  @Test
  void theSurvivorServesEnforcesOneLimitAndNoAnsweredEventIsLost(TestKafka kafka) throws Exception {
    Vertx simVertx = Vertx.vertx();
    Path outboxA = Files.createTempDirectory("token-killed-a-");
    Path outboxB = Files.createTempDirectory("token-killed-b-");
    TokenServiceProcess a = null;
    TokenServiceProcess b = null;
    try {
      UpstreamSimVerticle sim = new UpstreamSimVerticle(SimConfig.fromEnv(new Env(Map.of("SIM_PORT", "0",
          "SIM_API_KEY", TokenServiceHarness.API_KEY))), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
      simVertx.deployVerticle(sim).await(10, TimeUnit.SECONDS);
      String simUrl = "http://127.0.0.1:" + sim.port();
      Map<String, String> kafkaEnv = new HashMap<>(kafka.env());
      a = TokenServiceProcess.start("killed-a", kafkaEnv, simUrl, outboxA, ENV);
      b = TokenServiceProcess.start("killed-b", kafkaEnv, simUrl, outboxB, ENV);
      TokenServiceProcess first = a;
      TokenServiceProcess second = b;
      Eventually.await("both instances count two", () -> first.metric("token_rate_limit_instances") == 2.0
          && second.metric("token_rate_limit_instances") == 2.0, Duration.ofSeconds(45));

      Map<String, String> answered = new HashMap<>();
      // one user per request: the rate limits stay out of this part
      for (int i = 0; i < 10; i++) {
        record(a.issue("early-a" + i, "dev-a" + i), answered);
        record(b.issue("early-b" + i, "dev-b" + i), answered);
      }
      a.kill();
      // the survivor answers at once, without waiting for the group to notice
      for (int i = 0; i < 5; i++) {
        record(b.issue("after-kill-" + i, "dev-k" + i), answered);
      }
      TokenServiceProcess survivor = b;
      Eventually.await("the survivor counts one after the dead member's session timed out",
          () -> survivor.metric("token_rate_limit_instances") == 1.0, Duration.ofSeconds(45));
      int admitted = 0;
      for (int i = 0; i < 8; i++) {
        Http.Response r = b.issue("zoe", "zoe-phone");
        if (r.status() == 201) {
          record(r, answered);
          admitted++;
        } else {
          assertThat(r.status()).as(r.body()).isEqualTo(429);
          assertThat(r.error().getString("code")).isEqualTo("rate_limited");
        }
      }
      assertThat(admitted).as("one instance left: the whole burst of 4, once").isEqualTo(4);

      // the killed instance comes back on its own outbox and delivers what it answered
      a = TokenServiceProcess.start("killed-a-restarted", kafkaEnv, simUrl, outboxA, ENV);
      TokenServiceProcess restarted = a;
      Eventually.await("the restarted instance's outbox is delivered",
          () -> restarted.metric("token_outbox_pending_bytes") == 0.0, Duration.ofSeconds(30));
      TokenTopic.Issued issued = TokenTopic.issued(kafka.bootstrapServers(), kafka.topicPrefix()
          + "realtime.token.events", answered.keySet(), Duration.ofSeconds(30));
      Set<String> missing = new HashSet<>(answered.keySet());
      missing.removeAll(issued.eventIds().keySet());
      assertThat(missing).as("201 answers without their token.issued").isEmpty();
      for (Map.Entry<String, String> e : answered.entrySet()) {
        assertThat(issued.eventIds().get(e.getKey())).as("event ids of %s", e.getKey()).hasSize(1);
        assertThat(issued.fingerprints().get(e.getKey())).isEqualTo(e.getValue());
      }
    } finally {
      for (TokenServiceProcess p : new TokenServiceProcess[] {a, b}) {
        if (p != null && p.alive()) {
          p.stop();
        }
      }
      simVertx.close().await(10, TimeUnit.SECONDS);
      TokenServiceHarness.deleteRecursively(outboxA);
      TokenServiceHarness.deleteRecursively(outboxB);
    }
  }

  private static void record(Http.Response r, Map<String, String> answered) {
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonObject body = r.json();
    answered.put(body.getString("session_id"), SecretFingerprint.of(body.getString("value")));
  }
}
