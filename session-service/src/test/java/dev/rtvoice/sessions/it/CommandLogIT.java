package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.ChildProcessKafkaBroker;
import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command log on the real broker: a request is durable whole or not at all, through producer
 * batches expiring mid-stream; a write Kafka will never take costs one command (dead-lettered), not
 * the partition; an owner that cannot get its batch durable shows in readiness and metrics.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CommandLogIT {
  private static final int SESSIONS = 16;
  private static final int REQUESTS = 8;

  /**
   * Sixteen clients each send eight requests of a turn (seven or eight events) one after the other,
   * retrying a request (same {@code seq}s) until it is answered 202. Mid-stream the broker is frozen
   * (SIGSTOP) for longer than the 2 s delivery timeout, so the producer expires the batches it holds
   * (503s, counted in {@code kafka_publish_failures_total}), then thawed. Afterwards every session has
   * applied each of its events exactly once, in order, with nothing ever held out of order; and in the
   * command log every request is one record carrying exactly its events, its first copy after the
   * previous request's: never the tail of a request ahead of its head.
   */
  @Test
  void aRequestIsDurableWholeWhileProducerBatchesExpire(@TempDir Path dir) throws Exception {
    ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(dir, 0, 0));
    Harness.Service service = null;
    ExecutorService clients = Executors.newFixedThreadPool(SESSIONS);
    try {
      String prefix = "wholes-" + UUID.randomUUID().toString().substring(0, 8) + ".";
      Map<String, String> env = new HashMap<>();
      env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
      env.put("KAFKA_TOPIC_PREFIX", prefix);
      env.put("KAFKA_TOPIC_PARTITIONS", "3");
      env.put("KAFKA_SESSION_TIMEOUT", "10s");
      env.put("KAFKA_DELIVERY_TIMEOUT", "2s");
      // the producer's expiry (2 s), not the request deadline, is what answers the requests in flight
      env.put("REQUEST_DEADLINE", "8s");
      env.put("KAFKA_PROBE_INTERVAL", "250ms");
      env.put("HTTP_PORT", "0");
      env.put("HTTP_HOST", "127.0.0.1");
      env.put("SESSION_HANDLE_KEY", Harness.HANDLE_KEY);
      env.put("OPERATOR_TOKEN", Harness.OPERATOR);
      env.put("ORDER_GAP_TIMEOUT", "1m");
      env.put("THINKING_TIMEOUT", "10m");
      service = new Harness.Service(env);
      String base = service.base;

      AtomicInteger accepted = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      List<Harness.Client> sessions = new ArrayList<>();
      Map<String, List<List<Long>>> requestsOf = new ConcurrentHashMap<>();
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < SESSIONS; i++) {
        Harness.Client c = new Harness.Client(base, "rts_whole_" + i + "_" + UUID.randomUUID().toString().substring(0, 6));
        sessions.add(c);
        List<JsonArray> requests = turns(c);
        requestsOf.put(c.sessionId, requests.stream().map(CommandLogIT::seqs).toList());
        running.add(clients.submit(() -> {
          for (JsonArray request : requests) {
            while (true) {
              Http.Response r;
              try {
                r = c.postBatch(request);
              } catch (RuntimeException e) {
                r = null;
              }
              if (r != null && r.status() == 202) {
                accepted.incrementAndGet();
                break;
              }
              if (r != null && r.status() != 503) {
                throw new AssertionError(c.sessionId + ": " + r.status() + " " + r.body());
              }
              refused.incrementAndGet();
              sleep(250);
            }
            sleep(150);
          }
          return null;
        }));
      }
      Eventually.await("a third of the requests accepted", () -> accepted.get() >= SESSIONS * REQUESTS / 3,
          Duration.ofSeconds(30));
      signal(broker.pid(), "STOP");
      try {
        Thread.sleep(5_000);
      } finally {
        signal(broker.pid(), "CONT");
      }
      for (Future<?> f : running) {
        f.get(90, TimeUnit.SECONDS);
      }
      assertThat(refused.get()).as("the outage answered requests 503 (their batches expired or were refused)")
          .isPositive();
      assertThat(counter(service, "kafka_publish_failures_total"))
          .as("the producer gave up on writes during the freeze (expired batches)").isPositive();

      for (Harness.Client c : sessions) {
        long last = c.seq;
        JsonObject s = c.await("every event applied", x -> x.getLong("last_ack_seq") == last);
        JsonObject counters = s.getJsonObject("counters");
        assertThat(counters.getLong("events_applied")).as(c.sessionId + " applied each event once").isEqualTo(last);
        assertThat(counters.getLong("held_out_of_order")).as(c.sessionId + " never saw a request's tail first")
            .isZero();
        assertThat(s.getValue("order_broken")).isNull();
        assertThat(s.getInteger("held_count")).isZero();
      }

      // the log itself: one record per request, whole; first copies in request order
      Map<String, List<List<Long>>> logged = new HashMap<>();
      for (ConsumerRecord<String, byte[]> r : readAll(broker.bootstrapServers(), prefix + "realtime.session.commands")) {
        EventEnvelope command = EventCodec.decode(Buffer.buffer(r.value()));
        assertThat(command.type().wireName()).isEqualTo("session.client_events");
        logged.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(seqs(command.payload().getJsonArray("events")));
      }
      for (Harness.Client c : sessions) {
        List<List<Long>> expected = requestsOf.get(c.sessionId);
        List<List<Long>> firstCopies = new ArrayList<>();
        for (List<Long> record : logged.get(c.sessionId)) {
          assertThat(expected).as(c.sessionId + ": a record is exactly one request").contains(record);
          if (!firstCopies.contains(record)) {
            firstCopies.add(record);
          }
        }
        assertThat(firstCopies).as(c.sessionId + ": requests reached the log in order, each whole")
            .isEqualTo(expected);
      }
    } finally {
      clients.shutdownNow();
      if (service != null) {
        service.close();
      }
      broker.close();
    }
  }

  /**
   * A request whose events would take more than one record may carry (64 KiB: here 20 transcripts of
   * 4,000 characters) is refused whole with a 400 naming {@code events}: nothing of it is written (the
   * session never starts); the same events in smaller requests are accepted.
   */
  @Test
  void aRequestTooLargeForOneRecordIsRefusedWhole(TestKafka kafka) throws Exception {
    try (Harness.Service service = new Harness.Service(Harness.env(kafka, Map.of()))) {
      Harness.Client c = new Harness.Client(service.base, "rts_large_" + UUID.randomUUID().toString().substring(0, 6));
      Random random = new Random(11);
      JsonArray events = new JsonArray();
      for (int i = 0; i < 20; i++) {
        events.add(c.event("conversation.item.input_audio_transcription.completed", "transcript",
            randomLetters(random, 4_000)));
      }
      Http.Response r = c.postBatch(events);
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.error().getString("code")).isEqualTo("invalid_request");
      assertThat(r.error().getString("field")).isEqualTo("events");
      assertThat(c.get().status()).as("nothing of the request was written").isEqualTo(404);

      JsonArray first = new JsonArray();
      JsonArray second = new JsonArray();
      for (int i = 0; i < events.size(); i++) {
        (i < events.size() / 2 ? first : second).add(events.getValue(i));
      }
      assertThat(c.postBatch(first).status()).isEqualTo(202);
      assertThat(c.postBatch(second).status()).isEqualTo(202);
      c.await("the same events, in two requests, applied", s -> s.getLong("last_ack_seq") == 20);
    }
  }

  /**
   * Once a session's first request is applied, the state topic is limited to records of that
   * snapshot's size plus 2,500 bytes; the session's next request carries two transcripts of 3,500
   * random letters, so Kafka refuses the snapshot after it ({@code RecordTooLargeException}, which no
   * retry cures). Before, the owner rolled back the whole batch, other sessions included, and retried
   * it forever. Now: that request goes to {@code realtime.session.commands.dlq} with its reason, its
   * session stays as it was before it, the other sessions' requests are applied, the loop goes on (a
   * later request is applied) and readiness stays UP.
   *
   * <p>The poisoned request goes first, alone: when a refused record shares a producer batch with
   * others, the Kafka producer splits and resends that batch until the delivery timeout instead of
   * answering {@code RecordTooLargeException} (see the README's dead-letter section), so that case
   * reaches the owner as a timeout and is retried. The owner's own 64 KiB check keeps real snapshots
   * far from that path; this test lowers the topic's limit under the owner's feet.
   */
  @Test
  void aCommandKafkaWillNeverTakeIsDeadLetteredAndTheRestGoesThrough(TestKafka kafka) throws Exception {
    Map<String, String> env = Harness.env(kafka, Map.of("SUMMARY_MAX_CHARS", "8000", "ORDER_GAP_TIMEOUT", "1m"));
    try (Harness.Service service = new Harness.Service(env);
         Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      Harness.Client big = new Harness.Client(service.base, "rts_big_" + UUID.randomUUID().toString().substring(0, 6));
      List<Harness.Client> others = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        others.add(new Harness.Client(service.base, "rts_small_" + i + "_" + UUID.randomUUID().toString().substring(0, 6)));
      }
      List<JsonArray> bigRequests = turns(big);
      JsonArray poisoned = bigRequests.get(1);
      Random random = new Random(7);
      for (int i = 0; i < poisoned.size(); i++) {
        JsonObject e = poisoned.getJsonObject(i);
        if (e.containsKey("transcript")) {
          e.put("transcript", randomLetters(random, 3_500));
        }
      }
      assertThat(big.postBatch(bigRequests.get(0)).status()).isEqualTo(202);
      List<Long> firstSeqs = seqs(bigRequests.get(0));
      long beforePoison = firstSeqs.get(firstSeqs.size() - 1);
      big.await("the first request applied", s -> s.getLong("last_ack_seq") == beforePoison);
      String stateTopic = kafka.topics().sessionState();
      List<ConsumerRecord<String, byte[]>> snapshots = kafka.readRecordsUntil(stateTopic,
          rs -> rs.stream().anyMatch(r -> big.sessionId.equals(r.key())), Duration.ofSeconds(20));
      int firstSnapshot = snapshots.stream().filter(r -> big.sessionId.equals(r.key()))
          .mapToInt(r -> r.value().length).max().orElseThrow();
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, stateTopic),
          List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", Integer.toString(firstSnapshot + 2_500)),
              AlterConfigOp.OpType.SET)))).all().get();

      assertThat(big.postBatch(poisoned).status()).as("accepted: Kafka has the command").isEqualTo(202);
      List<ConsumerRecord<String, byte[]>> dead = kafka.readRecords(kafka.topics().sessionCommands() + ".dlq", 1,
          Duration.ofSeconds(30));

      // then the others' requests, concurrently
      ExecutorService pool = Executors.newFixedThreadPool(others.size());
      try {
        List<Future<Integer>> answers = new ArrayList<>();
        List<List<JsonArray>> otherRequests = new ArrayList<>();
        for (Harness.Client c : others) {
          List<JsonArray> rs = turns(c);
          otherRequests.add(rs);
          answers.add(pool.submit(() -> {
            for (JsonArray r : rs) {
              int status = c.postBatch(r).status();
              if (status != 202) {
                return status;
              }
            }
            return 202;
          }));
        }
        for (Future<Integer> a : answers) {
          assertThat(a.get(60, TimeUnit.SECONDS)).as("accepted: Kafka has the command").isEqualTo(202);
        }
      } finally {
        pool.shutdownNow();
      }
      for (Harness.Client c : others) {
        long last = c.seq;
        c.await("every event of an innocent session applied", s -> s.getLong("last_ack_seq") == last);
      }

      assertThat(dead).as("exactly the poisoned request is dead-lettered").hasSize(1);
      ConsumerRecord<String, byte[]> letter = dead.get(0);
      assertThat(letter.key()).isEqualTo(big.sessionId);
      assertThat(seqs(EventCodec.decode(Buffer.buffer(letter.value())).payload().getJsonArray("events")))
          .isEqualTo(seqs(poisoned));
      assertThat(header(letter, "dlq.kind")).isEqualTo("too_large");
      assertThat(header(letter, "dlq.reason")).contains("RecordTooLarge");
      assertThat(header(letter, "dlq.source.topic")).isEqualTo(kafka.topics().sessionCommands());

      JsonObject bigState = big.get().json();
      assertThat(bigState.getLong("last_ack_seq")).as("the big session stays as it was before the culprit")
          .isEqualTo(beforePoison);
      assertThat(counter(service, "session_commands_dead_lettered_total")).isEqualTo(1.0);

      // the loop moved on: a later request of an innocent session is applied, and the service is ready
      Harness.Client later = others.get(0);
      later.send("input_audio_buffer.speech_started");
      long last = later.seq;
      later.await("a later request applied", s -> s.getLong("last_ack_seq") == last);
      assertThat(Http.get(service.base + "/health/ready").status()).isEqualTo(200);
    }
  }

  /**
   * The state topic is made to refuse every write ({@code message.timestamp.before.max.ms} 0: a record
   * stamped before it reaches the broker is refused, which is every record), a refusal the owner does
   * not take for the command's fault, so it keeps its batch in hand and retries it. After
   * {@code OWNER_STALL_TIMEOUT} readiness says DOWN with the owner's detail and
   * {@code session_owner_stalled} is 1; once the topic takes writes again, the batch goes through (the
   * command is applied once) and both recover.
   */
  @Test
  void aStalledOwnerShowsInReadinessAndMetricsAndRecovers(TestKafka kafka) throws Exception {
    Map<String, String> env = Harness.env(kafka, Map.of("OWNER_STALL_TIMEOUT", "2s", "KAFKA_DELIVERY_TIMEOUT", "2s"));
    try (Harness.Service service = new Harness.Service(env);
         Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
      Harness.Client c = new Harness.Client(service.base, "rts_stall_" + UUID.randomUUID().toString().substring(0, 6));
      c.send("client.connected");
      c.await("connected", s -> s.getLong("last_ack_seq") == 1);

      // every command writes its session's snapshot: make that topic refuse writes
      ConfigResource state = new ConfigResource(ConfigResource.Type.TOPIC, kafka.topics().sessionState());
      setTopicConfig(admin, state, "message.timestamp.before.max.ms", "0");
      c.send("input_audio_buffer.speech_started");  // accepted: the commands topic still takes writes
      Eventually.await("readiness DOWN with the owner's detail", () -> {
        Http.Response r = Http.get(service.base + "/health/ready");
        return r.status() == 503 && r.json().getJsonObject("checks").getString("owner").startsWith("DOWN: owner stalled");
      }, Duration.ofSeconds(30));
      assertThat(gauge(service.base, "session_owner_stalled")).isEqualTo(1.0);
      assertThat(gauge(service.base, "session_owner_unfinished_batch_seconds")).isGreaterThanOrEqualTo(2.0);
      assertThat(c.get().json().getLong("last_ack_seq")).as("nothing applied while stalled").isEqualTo(1);

      setTopicConfig(admin, state, "message.timestamp.before.max.ms", Long.toString(Long.MAX_VALUE));
      JsonObject s = c.await("the held batch applied once Kafka takes writes", x -> x.getLong("last_ack_seq") == 2);
      assertThat(s.getJsonObject("counters").getLong("events_applied")).isEqualTo(2);
      Eventually.await("readiness UP again", () -> Http.get(service.base + "/health/ready").status() == 200,
          Duration.ofSeconds(20));
      assertThat(gauge(service.base, "session_owner_stalled")).isEqualTo(0.0);
      assertThat(counter(service, "session_commands_dead_lettered_total")).as("a stall is not a dead letter")
          .isZero();
    }
  }

  // ---- helpers ----

  /** The session's requests: each one turn of events; the first also carries client.connected. */
  private static List<JsonArray> turns(Harness.Client c) {
    List<JsonArray> requests = new ArrayList<>();
    for (int turn = 1; turn <= REQUESTS; turn++) {
      JsonArray r = new JsonArray();
      if (turn == 1) {
        r.add(c.event("client.connected"));
      }
      String rid = "resp_" + turn;
      String item = "item_" + turn;
      r.add(c.event("input_audio_buffer.speech_stopped"));
      r.add(c.event("conversation.item.input_audio_transcription.completed", "transcript", "user turn " + turn));
      r.add(c.event("response.created", "response_id", rid));
      r.add(c.event("response.output_item.added", "response_id", rid, "item_id", item));
      r.add(c.event("response.output_audio.delta", "response_id", rid, "item_id", item));
      r.add(c.event("response.output_audio_transcript.done", "response_id", rid, "transcript", "reply " + turn));
      r.add(c.event("response.done", "response_id", rid, "status", "completed"));
      requests.add(r);
    }
    return requests;
  }

  private static List<Long> seqs(JsonArray events) {
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      seqs.add(events.getJsonObject(i).getLong("seq"));
    }
    return seqs;
  }

  private static String randomLetters(Random random, int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append((char) ('a' + random.nextInt(26)));
    }
    return b.toString();
  }

  private static String header(ConsumerRecord<String, byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static void signal(long pid, String signal) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(p.waitFor()).as("kill -" + signal + " " + pid).isZero();
  }

  private static void setTopicConfig(Admin admin, ConfigResource topic, String name, String value) throws Exception {
    admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry(name, value),
        AlterConfigOp.OpType.SET)))).all().get();
  }

  private static double counter(Harness.Service service, String name) {
    return service.runtime.registry().find(name).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  /** A gauge as Prometheus scrapes it from {@code /metrics}. */
  private static double gauge(String base, String name) {
    for (String line : Http.get(base + "/metrics").body().split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError(name + " not in /metrics");
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("isolation.level", "read_committed");
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
             new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
    }
    return records;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
