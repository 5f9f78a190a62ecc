package dev.rtvoice.e2e.secured;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.kafka.ServiceAcls;
import dev.rtvoice.common.kafka.Topics;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.e2e.harness.ManagedProcess;
import dev.rtvoice.e2e.harness.Ports;
import dev.rtvoice.e2e.harness.Suite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The four services on a secured cluster, each as its own principal with only the shipped ACLs: a
 * turn, an interrupt, a latency sample and an alert go through; no Kafka password shows in any log
 * line or {@code /metrics}; and a service with a wrong password or a missing ACL stays not ready
 * (it keeps retrying, as documented) with a readiness message naming the variable or the ACL.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredSuiteIT {
  static SecuredSuite suite;
  static String sessionId;
  static String rotationToken;

  @BeforeAll
  static void start() throws Exception {
    Path logs = Path.of(System.getProperty("e2e.logs", Suite.root().resolve("e2e/target/e2e-logs").toString()))
        .resolve("secured");
    suite = SecuredSuite.start(logs);
  }

  @AfterAll
  static void stop() {
    if (suite != null) {
      suite.close();
    }
  }

  @Test
  @Order(1)
  void aTurnAndAnInterruptGoThroughEveryServiceOnItsOwnPrincipal() {
    JsonObject issued = issue("user-sec-1", "device-sec-1");
    sessionId = issued.getString("session_id");
    rotationToken = issued.getString("rotation_token");

    long t = System.currentTimeMillis() - 3_000;
    accepted(events(event("client.connected", 1, t, "call_id", "rtc_secured_" + System.nanoTime()),
        event("input_audio_buffer.speech_started", 2, t + 100),
        event("input_audio_buffer.speech_stopped", 3, t + 500),
        event("response.created", 4, t + 550, "response_id", "resp_1"),
        event("response.output_item.added", 5, t + 560, "response_id", "resp_1", "item_id", "item_1"),
        event("response.output_audio.delta", 6, t + 800, "response_id", "resp_1", "item_id", "item_1")));
    awaitPhase("SPEAKING");
    Http.Response interrupted = Http.post(suite.urls.get("session-service") + "/v1/sessions/" + sessionId
        + "/interrupt", new JsonObject().put("audio_end_ms", 240).encode(), "Authorization", "Bearer " + rotationToken,
        "Content-Type", "application/json");
    assertThat(interrupted.status()).as(interrupted.body()).isIn(200, 202);
    assertThat(interrupted.json().getString("response_id")).isEqualTo("resp_1");
    accepted(events(event("response.done", 7, t + 1300, "response_id", "resp_1", "status", "cancelled")));
    awaitPhase("LISTENING");

    // the token-service's and the session-service's writes, read back by the super user
    awaitRecord(Topics.TOKEN_EVENTS, r -> r.contains(sessionId) && r.contains("token.issued"));
    awaitRecord(Topics.SESSION_EVENTS, r -> r.contains(sessionId) && r.contains("session.interrupted"));
    awaitRecord(Topics.SESSION_STATE, r -> r.contains(sessionId));
  }

  @Test
  @Order(2)
  void aLatencySampleReachesTheWindowsOverPlainSasl() {
    String at = Instant.now().toString();
    JsonArray samples = new JsonArray();
    for (Object[] s : new Object[][] {{"capture", 40}, {"first_audio", 700}}) {
      samples.add(new JsonObject().put("stage", s[0]).put("value_ms", s[1]).put("turn", 1).put("occurred_at", at)
          .put("platform", "web"));
    }
    Http.Response r = Http.post(suite.urls.get("metrics-service") + "/v1/telemetry",
        new JsonObject().put("session_id", sessionId).put("samples", samples).encode(),
        "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json");
    assertThat(r.status()).as(r.body()).isIn(200, 202);
    assertThat(r.json().getInteger("rejected")).as(r.body()).isZero();
    Eventually.await("the sample counted in metrics-service's budget", () -> {
      JsonObject budget = Http.get(suite.urls.get("metrics-service") + "/v1/latency/budget?window=1m").json();
      JsonObject firstAudio = budget.getJsonObject("stages").getJsonObject("first_audio");
      return firstAudio != null && firstAudio.getLong("count", 0L) >= 1;
    }, Duration.ofSeconds(30));
    awaitRecord(Topics.METRICS_WINDOWS, rec -> rec.contains("first_audio"));
  }

  @Test
  @Order(3)
  void aFailedRotationFiresAnAlertThroughMutualTls() {
    String sim = suite.urls.get("upstream-sim");
    Http.Response fault = Http.post(sim + "/admin/faults", new JsonObject().put("target", "client_secrets")
        .put("status", 500).put("count", 20).encode(), "Content-Type", "application/json");
    assertThat(fault.status()).as(fault.body()).isIn(200, 201, 202);
    try {
      Http.Response failed = Http.post(suite.urls.get("token-service") + "/v1/sessions/" + sessionId + "/rotate",
          new JsonObject().put("rotation_token", rotationToken).encode(),
          "Authorization", "Bearer " + suite.identity.userToken("user-sec-1", Duration.ofMinutes(5)),
          "X-Device-ID", "device-sec-1", "Content-Type", "application/json");
      assertThat(failed.status()).as(failed.body()).isEqualTo(502);
    } finally {
      Http.post(sim + "/admin/reset", "{}", "Content-Type", "application/json");
    }
    Eventually.await("SessionRotationFailed firing in alerting-service", () -> {
      JsonArray alerts = Http.get(suite.urls.get("alerting-service") + "/v1/alerts").json().getJsonArray("alerts");
      return alerts.stream().map(JsonObject.class::cast).anyMatch(a ->
          "SessionRotationFailed".equals(a.getString("alertname")) && "firing".equals(a.getString("state")));
    }, Duration.ofSeconds(60));
    awaitRecord(Topics.ALERTS, r -> r.contains("SessionRotationFailed"));
  }

  @Test
  @Order(4)
  void noKafkaSecretInAnyLogLineOrMetricsPage() throws Exception {
    List<String> pages = new ArrayList<>();
    for (String service : SecuredSuite.SERVICES) {
      pages.add(Http.get(suite.urls.get(service) + "/metrics").body());
      pages.add(Http.get(suite.urls.get(service) + "/health/ready").body());
    }
    List<String> logs = suite.logs();
    assertThat(logs).as("the services logged").isNotEmpty();
    for (String secret : suite.secrets) {
      assertThat(logs).noneMatch(line -> line.contains(secret));
      assertThat(pages).noneMatch(page -> page.contains(secret));
    }
  }

  @Test
  @Order(5)
  void aWrongPasswordKeepsTheServiceNotReadyNamingTheVariables() throws Exception {
    Map<String, String> env = new HashMap<>(suite.envs.get("token-service"));
    String wrong = "not-" + suite.kafka.password("token-service");
    env.put("KAFKA_SASL_PASSWORD", wrong);
    String ready = notReady("token-wrong-password", env);
    assertThat(ready).contains("KAFKA_SASL_PASSWORD", "KAFKA_SASL_USERNAME", "User:token-service")
        .doesNotContain(wrong).doesNotContain(suite.kafka.password("token-service"));
  }

  @Test
  @Order(6)
  void aMissingAclKeepsTheServiceNotReadyNamingTheAcl() throws Exception {
    // token-service's shipped ACLs but Write on its events topic, granted to another user
    List<ServiceAcls.Rule> partial = new ArrayList<>();
    for (ServiceAcls.Rule rule : ServiceAcls.of("token-service")) {
      partial.add(rule.name().endsWith(Topics.TOKEN_EVENTS) ? new ServiceAcls.Rule(rule.service(), rule.type(),
          rule.name(), new LinkedHashSet<>(List.of("Describe"))) : rule);
    }
    suite.kafka.grant("User:" + SecuredSuite.LIMITED, partial, SecuredSuite.PREFIX);
    Map<String, String> env = new HashMap<>(suite.envs.get("token-service"));
    env.putAll(suite.kafka.saslEnv(SecuredSuite.LIMITED, "SCRAM-SHA-512"));
    String ready = notReady("token-missing-acl", env);
    assertThat(ready).contains("missing Kafka ACL for User:" + SecuredSuite.LIMITED)
        .contains("Write on topic " + SecuredSuite.PREFIX + Topics.TOKEN_EVENTS);
  }

  @Test
  @Order(7)
  void anImpossibleCombinationStopsTheStartNamingTheVariable() throws Exception {
    Map<String, String> env = new HashMap<>(suite.envs.get("token-service"));
    env.remove("KAFKA_SASL_MECHANISM");
    env.put("HTTP_PORT", Integer.toString(Ports.free()));
    ManagedProcess p = suite.start("token-no-mechanism", "token-service", env);
    try {
      Eventually.await("token-service without a SASL mechanism exits", () -> !p.alive(), Duration.ofSeconds(60));
      assertThat(p.tail(20)).contains("KAFKA_SASL_MECHANISM is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL")
          .doesNotContain(suite.kafka.password("token-service"));
    } finally {
      p.stop();
    }
  }

  /** Starts a second token-service with {@code env}; returns its readiness body once it names a reason. */
  private static String notReady(String name, Map<String, String> env) {
    int port = Ports.free();
    env.put("HTTP_PORT", Integer.toString(port));
    ManagedProcess p = suite.start(name, "token-service", env);
    try {
      String url = "http://127.0.0.1:" + port + "/health/ready";
      String[] body = {null};
      Eventually.await(name + " answers readiness with a reason", () -> {
        try {
          Http.Response r = Http.get(url);
          body[0] = r.body();
          return r.status() == 503 && (r.body().contains("KAFKA_") || r.body().contains("missing Kafka ACL"));
        } catch (RuntimeException notListening) {
          return false;
        }
      }, Duration.ofSeconds(90));
      // it retries rather than exits: an ACL granted later makes it ready without a restart
      assertThat(p.alive()).isTrue();
      return body[0];
    } finally {
      p.stop();
    }
  }

  private static JsonObject issue(String user, String device) {
    Http.Response r = Http.post(suite.urls.get("token-service") + "/v1/sessions",
        new JsonObject().put("ttl_seconds", 300).encode(),
        "Authorization", "Bearer " + suite.identity.userToken(user, Duration.ofMinutes(5)), "X-Device-ID", device,
        "Content-Type", "application/json");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    suite.secrets.add(r.json().getJsonObject("client_secret").getString("value"));
    return r.json();
  }

  private static JsonObject event(String type, long seq, long at, Object... fields) {
    JsonObject e = new JsonObject().put("type", type).put("seq", seq).put("occurred_at_ms", at);
    for (int i = 0; i < fields.length; i += 2) {
      e.put((String) fields[i], fields[i + 1]);
    }
    return e;
  }

  private static Http.Response events(JsonObject... events) {
    return Http.post(suite.urls.get("session-service") + "/v1/sessions/" + sessionId + "/events",
        new JsonObject().put("platform", "web").put("events", new JsonArray(List.of((Object[]) events))).encode(),
        "Authorization", "Bearer " + rotationToken, "Content-Type", "application/json");
  }

  private static void accepted(Http.Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(202);
  }

  private static void awaitPhase(String phase) {
    Eventually.await(sessionId + " in " + phase, () -> {
      Http.Response r = Http.get(suite.urls.get("session-service") + "/v1/sessions/" + sessionId,
          "Authorization", "Bearer " + rotationToken);
      return r.status() == 200 && phase.equals(r.json().getString("phase"));
    }, Duration.ofSeconds(30));
  }

  /** Reads a topic from the start as the super user until a record's value matches. */
  private static void awaitRecord(String logicalTopic, Predicate<String> match) {
    String topic = SecuredSuite.PREFIX + logicalTopic;
    Properties props = suite.kafka.adminProperties();
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    props.put("enable.auto.commit", "false");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map((PartitionInfo i) -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value() != null && match.test(r.value())) {
            return;
          }
        }
      }
    }
    throw new AssertionError("no matching record on " + topic + " within 30 s");
  }
}
