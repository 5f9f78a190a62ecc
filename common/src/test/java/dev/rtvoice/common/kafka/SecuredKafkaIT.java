package dev.rtvoice.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.health.ReadinessCheck;
import dev.rtvoice.common.runtime.KafkaInfra;
import dev.rtvoice.common.testing.SecuredKafka;
import dev.rtvoice.common.testing.TestCertificates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite's clients on a secured broker (SASL_SSL, mutual TLS, StandardAuthorizer): every way of
 * connecting works with the shipped ACLs of the service, and a wrong password, an untrusted CA or a
 * missing ACL shows in readiness as the variable or the ACL to fix, never as a secret.
 */
class SecuredKafkaIT {
  private static final String SERVICE = "token-service";
  @TempDir static Path dir;
  static SecuredKafka kafka;
  static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    kafka = SecuredKafka.start(dir.resolve("cluster"), List.of(SERVICE, "limited"));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void scramSha512ClientsProvisionProduceAndConsumeWithTheShippedAcls() throws Exception {
    roundTrip("scram.", kafka.saslEnv(SERVICE, "SCRAM-SHA-512"));
  }

  @Test
  void plainClientsDoTheSame() throws Exception {
    roundTrip("plain.", kafka.saslEnv(SERVICE, "PLAIN"));
  }

  @Test
  void scramSha256ClientsDoTheSame() throws Exception {
    roundTrip("scram256.", kafka.saslEnv(SERVICE, "SCRAM-SHA-256"));
  }

  @Test
  void aPropertiesFileAloneCarriesTheWholeSecuritySetup() throws Exception {
    Map<String, String> sasl = kafka.saslEnv(SERVICE, "SCRAM-SHA-512");
    Path file = dir.resolve("client.properties");
    java.util.Properties props = new java.util.Properties();
    props.setProperty("security.protocol", "SASL_SSL");
    props.setProperty("sasl.mechanism", "SCRAM-SHA-512");
    props.setProperty("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + SERVICE + "\" password=\"" + kafka.password(SERVICE) + "\";");
    props.setProperty("ssl.truststore.location", sasl.get("KAFKA_SSL_TRUSTSTORE_LOCATION"));
    props.setProperty("ssl.truststore.password", sasl.get("KAFKA_SSL_TRUSTSTORE_PASSWORD"));
    try (var out = java.nio.file.Files.newBufferedWriter(file)) {
      props.store(out, null);
    }
    roundTrip("propsfile.", Map.of("KAFKA_BOOTSTRAP_SERVERS", sasl.get("KAFKA_BOOTSTRAP_SERVERS"),
        "KAFKA_PROPERTIES_FILE", file.toString()));
  }

  @Test
  void mutualTlsClientsDoTheSameAsTheCertificatesCommonName() throws Exception {
    roundTrip("mtls.", kafka.mutualTlsEnv(SERVICE));
  }

  @Test
  void aWrongPasswordFailsReadinessNamingTheVariablesNotThePassword() throws Exception {
    Map<String, String> env = new HashMap<>(kafka.saslEnv(SERVICE, "SCRAM-SHA-512"));
    String wrong = "wrong-" + kafka.password(SERVICE);
    env.put("KAFKA_SASL_PASSWORD", wrong);
    String failure = readinessFailure(settings(env, "wrongpw."), "wrongpw.");
    assertThat(failure).contains("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "User:" + SERVICE)
        .doesNotContain(wrong).doesNotContain(kafka.password(SERVICE));
  }

  @Test
  void anUntrustedBrokerCertificateFailsReadinessNamingTheTruststore() throws Exception {
    TestCertificates other = TestCertificates.createCa(dir.resolve("other-ca"));
    Map<String, String> env = new HashMap<>(kafka.saslEnv(SERVICE, "SCRAM-SHA-512"));
    env.put("KAFKA_SSL_TRUSTSTORE_LOCATION", other.truststore().toString());
    env.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", other.password());
    String failure = readinessFailure(settings(env, "untrusted."), "untrusted.");
    assertThat(failure).contains("KAFKA_SSL_TRUSTSTORE_LOCATION").doesNotContain(other.password());
  }

  @Test
  void aMissingAclFailsReadinessNamingTheAcl() throws Exception {
    String prefix = "noacl.";
    // everything token-service needs but Write on its events topic, granted to another user
    List<ServiceAcls.Rule> partial = new ArrayList<>();
    for (ServiceAcls.Rule rule : ServiceAcls.of(SERVICE)) {
      if (rule.name().endsWith(Topics.TOKEN_EVENTS)) {
        partial.add(new ServiceAcls.Rule(rule.service(), rule.type(), rule.name(),
            new java.util.LinkedHashSet<>(List.of("Create", "Describe"))));
      } else {
        partial.add(rule);
      }
    }
    kafka.grant("User:limited", partial, prefix);
    String failure = readinessFailure(settings(kafka.saslEnv("limited", "SCRAM-SHA-512"), prefix), prefix);
    assertThat(failure).contains("missing Kafka ACL for User:limited")
        .contains("Write on topic " + prefix + Topics.TOKEN_EVENTS)
        .doesNotContain(kafka.password("limited"));
  }

  @Test
  void aConsumerGroupAclIsProbedToo() throws Exception {
    // metrics-service's shipped ACLs, as another user: ready with them, named when the group is missing
    String service = "metrics-service";
    kafka.grant("User:" + SERVICE, ServiceAcls.of(service), "grpok.");
    KafkaSettings granted = KafkaSettings.fromEnv(new Env(withPrefix(kafka.saslEnv(SERVICE, "SCRAM-SHA-512"),
        "grpok.")), service);
    Topics okTopics = new Topics("grpok.", 1, (short) 1, Duration.ofHours(1));
    KafkaInfra ok = new KafkaInfra(vertx, granted, List.of(okTopics.spec(Topics.LATENCY_SAMPLES)));
    try {
      ok.provisionTopics().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      awaitReady(ok.readiness());
    } finally {
      ok.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    List<ServiceAcls.Rule> noGroup = ServiceAcls.of(service).stream()
        .filter(r -> r.type() == ServiceAcls.ResourceType.TOPIC).toList();
    kafka.grant("User:limited", noGroup, "grp.");
    KafkaSettings settings = KafkaSettings.fromEnv(new Env(withPrefix(kafka.saslEnv("limited", "SCRAM-SHA-512"),
        "grp.")), service);
    Topics topics = new Topics("grp.", 1, (short) 1, Duration.ofHours(1));
    KafkaInfra infra = new KafkaInfra(vertx, settings, List.of(topics.spec(Topics.LATENCY_SAMPLES)));
    try {
      infra.provisionTopics().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      String failure = readinessFailureOf(infra);
      assertThat(failure).contains("missing Kafka ACL for User:limited").contains("Read on group grp.metrics-service");
    } finally {
      infra.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void withoutAnyAclTheServiceCannotCreateItsTopicAndSaysSo() throws Exception {
    String prefix = "nothing.";
    String failure = readinessFailure(settings(kafka.saslEnv("limited", "SCRAM-SHA-512"), prefix), prefix);
    assertThat(failure).contains("topics not provisioned yet").contains("missing Kafka ACL")
        .contains("User:limited");
  }

  /** Provisions, checks readiness, writes with the producer config and reads with the reader config. */
  private void roundTrip(String prefix, Map<String, String> env) throws Exception {
    kafka.grant(ServiceAcls.of(SERVICE), prefix);
    KafkaSettings settings = settings(env, prefix);
    assertThat(settings.toString()).doesNotContain(kafka.password(SERVICE)).doesNotContain(kafka.ca().password());
    Topics topics = new Topics(prefix, 1, (short) 1, Duration.ofHours(1));
    KafkaInfra infra = new KafkaInfra(vertx, settings,
        List.of(topics.spec(Topics.TOKEN_EVENTS), topics.spec(Topics.TOKEN_ROTATIONS)));
    try {
      infra.provisionTopics().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      awaitReady(infra.readiness());
    } finally {
      infra.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
    // the one topic token-service both writes and reads
    String topic = topics.name(Topics.TOKEN_ROTATIONS);
    Map<String, Object> producerConfig = new HashMap<>(settings.producerConfig("probe"));
    producerConfig.put("key.serializer", StringSerializer.class.getName());
    producerConfig.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
      producer.send(new ProducerRecord<>(topic, "k", "secured " + prefix)).get(30, TimeUnit.SECONDS);
    }
    Map<String, Object> readerConfig = new HashMap<>(settings.readerConfig("probe"));
    readerConfig.put("key.deserializer", StringDeserializer.class.getName());
    readerConfig.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(readerConfig)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<String> values = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (values.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          values.add(r.value());
        }
      }
      assertThat(values).containsExactly("secured " + prefix);
    }
  }

  private static Map<String, String> withPrefix(Map<String, String> env, String prefix) {
    Map<String, String> all = new HashMap<>(env);
    all.put("KAFKA_TOPIC_PREFIX", prefix);
    return all;
  }

  private static String readinessFailureOf(KafkaInfra infra) throws Exception {
    String last = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        infra.readiness().check().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        throw new AssertionError("readiness passed, but it should not have");
      } catch (java.util.concurrent.ExecutionException e) {
        last = e.getCause().getMessage();
        if (last.contains("missing Kafka ACL")) {
          return last;
        }
      }
      Thread.sleep(300);
    }
    throw new AssertionError("readiness named no missing ACL within 60 s: " + last);
  }

  private static KafkaSettings settings(Map<String, String> env, String prefix) {
    Map<String, String> all = new HashMap<>(env);
    all.put("KAFKA_TOPIC_PREFIX", prefix);
    return KafkaSettings.fromEnv(new Env(all), SERVICE);
  }

  private static void awaitReady(ReadinessCheck check) throws Exception {
    AtomicReference<String> last = new AtomicReference<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Future<Void> result = check.check();
      try {
        result.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        return;
      } catch (java.util.concurrent.ExecutionException e) {
        last.set(e.getCause().getMessage());
      }
      Thread.sleep(300);
    }
    throw new AssertionError("not ready within 60 s: " + last.get());
  }

  /** Starts provisioning and returns readiness's failure once it has a reason (it never gets ready). */
  private static String readinessFailure(KafkaSettings settings, String prefix) throws Exception {
    Topics topics = new Topics(prefix, 1, (short) 1, Duration.ofHours(1));
    KafkaInfra infra = new KafkaInfra(vertx, settings, List.of(topics.spec(Topics.TOKEN_EVENTS)));
    try {
      infra.provisionTopics();
      String last = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        try {
          infra.readiness().check().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
          throw new AssertionError("readiness passed, but it should not have");
        } catch (java.util.concurrent.ExecutionException e) {
          last = e.getCause().getMessage();
          // the first answers may still be "not provisioned yet" without a reason
          if (!last.equals("topics not provisioned yet")) {
            return last;
          }
        }
        Thread.sleep(300);
      }
      throw new AssertionError("readiness gave no reason within 60 s: " + last);
    } finally {
      infra.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }
}
