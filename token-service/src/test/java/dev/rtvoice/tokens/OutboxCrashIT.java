package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.ChildProcessKafkaBroker;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
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

/**
 * The outbox through a broker outage and a SIGKILL between answer and delivery: token-service (a JVM
 * of its own) keeps issuing while the broker is stopped, its events waiting in its outbox; it is then
 * SIGKILLed with them undelivered, the broker comes back, and the service restarts on the same
 * outbox directory. Every 201 must then have exactly one {@code token.issued} event id on the topic,
 * with its secret's fingerprint (a redelivered record repeats its event id: consumers dedupe on it).
 * {@code -Dtoken.outage.seconds=130} holds the broker away longer (5 s by default).
 */
class OutboxCrashIT {
  private static final String PREFIX = "crash.";

  @Test
  void everyAnsweredIssuanceHasOneEventAfterAnOutageAndAKillBeforeDelivery() throws Exception {
    String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    assumeTrue(external == null || external.isBlank(), "needs a broker of its own that it can stop");
    Path brokerDir = Files.createTempDirectory("token-crash-kafka-");
    Path outboxDir = Files.createTempDirectory("token-crash-outbox-");
    ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(brokerDir, 0, 0));
    Vertx simVertx = Vertx.vertx();
    TokenServiceProcess service = null;
    try {
      UpstreamSimVerticle sim = new UpstreamSimVerticle(SimConfig.fromEnv(new Env(Map.of("SIM_PORT", "0",
          "SIM_API_KEY", TokenServiceHarness.API_KEY))), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
      simVertx.deployVerticle(sim).await(10, TimeUnit.SECONDS);
      String simUrl = "http://127.0.0.1:" + sim.port();
      Map<String, String> kafkaEnv = Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
          "KAFKA_TOPIC_PREFIX", PREFIX, "KAFKA_TOPIC_PARTITIONS", "3", "KAFKA_SESSION_TIMEOUT", "6s");
      Map<String, String> env = Map.of("RATE_LIMIT_USER_PER_MINUTE", "0", "RATE_LIMIT_DEVICE_PER_MINUTE", "0",
          "KAFKA_DELIVERY_TIMEOUT", "5s");
      service = TokenServiceProcess.start("outbox-crash-first", kafkaEnv, simUrl, outboxDir, env);

      Map<String, String> answered = new HashMap<>();
      JsonObject beforeOutage = null;
      for (int i = 0; i < 10; i++) {
        beforeOutage = created(service.issue("before-" + i, "device-b" + i), answered);
      }

      broker.close();
      Duration outage = Duration.ofSeconds(Long.getLong("token.outage.seconds", 5));
      long outageEnds = System.nanoTime() + outage.toNanos();
      int during = 0;
      do {
        created(service.issue("during-" + during, "device-d" + during), answered);
        during++;
        Thread.sleep(50);
      } while (System.nanoTime() < outageEnds || during < 30);
      // a rotation needs the rotation ledger on Kafka: refused while it is away, no secret handed out
      Http.Response rotation = Http.post(service.base + "/v1/sessions/" + beforeOutage.getString("session_id")
              + "/rotate", new JsonObject().put("rotation_token", beforeOutage.getString("rotation_token")).encode(),
          "Authorization", "Bearer " + TokenServiceHarness.userToken("before-9"), "X-Device-ID", "device-b9");
      assertThat(rotation.status()).as(rotation.body()).isEqualTo(503);
      assertThat(rotation.error().getString("code")).isEqualTo("unavailable");
      assertThat(rotation.header("Retry-After")).isNotNull();
      assertThat(service.metric("token_outbox_pending_bytes")).as("events wait in the outbox").isPositive();

      service.kill();
      broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(brokerDir, 0, 0));
      service = TokenServiceProcess.start("outbox-crash-restarted", kafkaEnv, simUrl, outboxDir, env);
      TokenServiceProcess restarted = service;
      Eventually.await("the restarted instance delivered its outbox",
          () -> restarted.metric("token_outbox_pending_bytes") == 0.0, Duration.ofSeconds(60));

      TokenTopic.Issued issued = TokenTopic.issued(broker.bootstrapServers(), PREFIX + "realtime.token.events",
          answered.keySet(), Duration.ofSeconds(30));
      Set<String> missing = new HashSet<>(answered.keySet());
      missing.removeAll(issued.eventIds().keySet());
      assertThat(missing).as("201 answers without their token.issued").isEmpty();
      for (Map.Entry<String, String> a : answered.entrySet()) {
        assertThat(issued.eventIds().get(a.getKey())).as("event ids of %s", a.getKey()).hasSize(1);
        assertThat(issued.fingerprints().get(a.getKey())).isEqualTo(a.getValue());
      }
      assertThat(issued.eventIds()).hasSize(answered.size());
      System.out.printf("outbox through a %d s outage and a SIGKILL: %d answered 201 (%d while the broker was away), "
              + "each with one event id on the topic; %d records (%d redelivered copies)%n", outage.toSeconds(),
          answered.size(), during, issued.records(), issued.records() - answered.size());
    } finally {
      if (service != null) {
        service.stop();
      }
      simVertx.close().await(10, TimeUnit.SECONDS);
      broker.close();
      TokenServiceHarness.deleteRecursively(brokerDir);
      TokenServiceHarness.deleteRecursively(outboxDir);
    }
  }

  private static JsonObject created(Http.Response r, Map<String, String> answered) {
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    JsonObject body = r.json();
    answered.put(body.getString("session_id"), SecretFingerprint.of(body.getString("value")));
    return body;
  }
}
