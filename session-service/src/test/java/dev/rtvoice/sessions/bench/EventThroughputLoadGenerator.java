package dev.rtvoice.sessions.bench;

import dev.rtvoice.common.event.EventCodec;
import dev.rtvoice.common.kafka.KafkaSettings;
import dev.rtvoice.sessions.domain.EventSummary;
import dev.rtvoice.sessions.it.Harness;
import dev.rtvoice.sessions.kafka.Commands;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Client events applied per second by one instance, end to end: HTTP accepted (after Kafka has the
 * command), applied by the owner, derived events, samples and snapshot acknowledged (the service's
 * {@code session_commands_total} counts a command only then). Beside it, in the same run, the raw
 * rate of a Kafka producer with the service's producer settings (acks=all, idempotent, lz4, linger 2
 * ms) writing records of the same size as one command, keyed the same way: the ceiling a single
 * producer of this broker allows.
 *
 * <p>Each session has one request in flight at a time (its events are in sequence order); a request
 * is one turn of 10 event summaries (speech stopped, transcript, response created, item, 3 audio
 * deltas, audio done, transcript, response done), which moves the session through LISTENING,
 * THINKING, SPEAKING and back, writing phase changes and a latency sample each turn.
 *
 * <pre>
 * MAVEN_OPTS=-Xmx1g mvn -o -q -pl session-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.rtvoice.sessions.bench.EventThroughputLoadGenerator -Dexec.args="400 100000 100000 2"
 * </pre>
 * Arguments: sessions (concurrent clients), warm-up events per step (the warm-up repeats until the
 * JIT is quiet, see {@link #warmUntilJitQuiet}), measured events, and optionally the service's
 * {@code HTTP_INSTANCES} (default: the number of cores). The raw producer is warmed with as many
 * records as it measures.
 */
public final class EventThroughputLoadGenerator {
  private static final int MAX_WARMUP_STEPS = 40;
  private static final int EVENTS_PER_REQUEST = 10;

  public static void main(String[] args) throws Exception {
    int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    long warmup = args.length > 1 ? Long.parseLong(args[1]) : 20_000;
    long measured = args.length > 2 ? Long.parseLong(args[2]) : 150_000;
    int httpInstances = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
    // the rate limits stay on (their cost is part of the path) but far above this load: the defaults
    // allow 50 events/s per session, which 400 sessions at full speed would reach
    Map<String, String> env = Map.of("HTTP_INSTANCES", Integer.toString(httpInstances),
        "RATE_LIMIT_SESSION_EVENTS_PER_SECOND", "1000000", "RATE_LIMIT_SESSION_BYTES_PER_SECOND", "1000000000",
        "RATE_LIMIT_USER_EVENTS_PER_SECOND", "1000000", "RATE_LIMIT_USER_BYTES_PER_SECOND", "1000000000");
    try (BenchSupport bench = new BenchSupport(env)) {
      List<Client> clients = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        clients.add(new Client(bench, "bench-" + i));
      }
      int recordBytes = commandRecordBytes();
      System.out.printf("sessions=%d, %d events per request, one command record = %d bytes, HTTP_INSTANCES=%d%n",
          sessions, EVENTS_PER_REQUEST, recordBytes, httpInstances);

      warmUntilJitQuiet(bench, clients, warmup);
      double[] rawAndCpu = rawProducerRate(bench, "pattern", patternRecords(recordBytes), measured);
      double raw = rawAndCpu[0];
      double rawCpu = rawAndCpu[1];
      double[] realAndCpu = rawProducerRate(bench, "commands", realCommandRecords(), measured);
      Map<String, long[]> before = WrittenRecords.of(bench);
      long events = (measured / EVENTS_PER_REQUEST) * EVENTS_PER_REQUEST;
      CpuMeter e2eStart = CpuMeter.now();
      double e2e = run(bench, clients, measured, "measured");
      double e2eCpu = CpuMeter.now().report(e2eStart, events, "events", "measured (service and generator):");
      WrittenRecords.report(before, WrittenRecords.of(bench), events);
      WrittenRecords.producers();
      System.out.printf("RESULT end-to-end: %s events/s applied; raw producer (same record size, same settings): %s "
          + "records/s; ratio %.2f; by CPU (records per CPU second vs events per CPU second, this JVM and the broker): "
          + "%.2f%n", BenchSupport.fmt(e2e), BenchSupport.fmt(raw), e2e / raw, rawCpu / e2eCpu);
      System.out.printf("RESULT against real command records: raw producer %s records/s; ratio %.2f; by CPU %.2f%n",
          BenchSupport.fmt(realAndCpu[0]), e2e / realAndCpu[0], realAndCpu[1] / e2eCpu);
    }
    System.exit(0);
  }

  /**
   * Warm-up steps of {@code events} events until this JVM's JIT compiled for under 3 % of the last
   * step's time (at most {@link #MAX_WARMUP_STEPS}): the service, the generator and the raw producer
   * share this JVM, and on 2 cores a fresh JVM compiles for a minute or more; a short warm-up measured
   * the compiler, not the service.
   */
  private static void warmUntilJitQuiet(BenchSupport bench, List<Client> clients, long events) throws Exception {
    java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
    for (int step = 1; ; step++) {
      long jitBefore = jit.getTotalCompilationTime();
      long start = System.nanoTime();
      run(bench, clients, events, "warm-up " + step);
      long wallMs = (System.nanoTime() - start) / 1_000_000;
      long jitMs = jit.getTotalCompilationTime() - jitBefore;
      boolean quiet = jitMs < wallMs * 3 / 100;
      System.out.printf("warm-up %d: JIT %d ms in %d ms%s%n", step, jitMs, wallMs, quiet ? ", quiet: measuring" : "");
      if (quiet || step >= MAX_WARMUP_STEPS) {
        return;
      }
    }
  }

  /** Sends {@code events} events and answers the rate at which they were applied. */
  private static double run(BenchSupport bench, List<Client> clients, long events, String label) throws Exception {
    double appliedBefore = bench.counter("session_commands_total");
    io.micrometer.core.instrument.Timer batches = bench.runtime.registry().find("session_apply_batch_seconds").timer();
    long batchesBefore = batches == null ? 0 : batches.count();
    double batchSecondsBefore = batches == null ? 0 : batches.totalTime(TimeUnit.SECONDS);
    AtomicLong budget = new AtomicLong(events / EVENTS_PER_REQUEST);
    CountDownLatch sent = new CountDownLatch(clients.size());
    long start = System.nanoTime();
    for (Client c : clients) {
      bench.clientVertx.runOnContext(v -> c.loop(budget, sent));
    }
    if (!sent.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("sending did not finish");
    }
    long acceptedNs = System.nanoTime() - start;
    long total = (events / EVENTS_PER_REQUEST) * EVENTS_PER_REQUEST;
    while (bench.counter("session_commands_total") - appliedBefore < total) {
      Thread.sleep(2);
    }
    long appliedNs = System.nanoTime() - start;
    double rate = total / (appliedNs / 1e9);
    System.out.printf("%s: %s events accepted in %.2f s (%s/s), all applied and acknowledged after %.2f s: %s "
        + "events/s%n", label, BenchSupport.fmt(total), acceptedNs / 1e9, BenchSupport.fmt(total / (acceptedNs / 1e9)),
        appliedNs / 1e9, BenchSupport.fmt(rate));
    if (batches != null) {
      long n = batches.count() - batchesBefore;
      System.out.printf("%s: %d owner batches, %.1f commands per batch, %.2f ms per batch (apply + writes acknowledged)"
          + "%n", label, n, total / (double) Math.max(1, n),
          1000 * (batches.totalTime(TimeUnit.SECONDS) - batchSecondsBefore) / Math.max(1, n));
    }
    return rate;
  }

  /**
   * The size of the reference record: one client event as one command ({@code session.client_event}),
   * as the ingress wrote it before a request became one record; kept as the reference so that ratios
   * stay comparable across versions.
   */
  private static int commandRecordBytes() {
    return commandRecord(123).length;
  }

  /** One client event's command as the ingress once wrote it, its ids, sequence and instants varied by {@code n}. */
  private static byte[] commandRecord(int n) {
    Map<String, Object> m = new HashMap<>();
    m.put("type", "response.output_audio.delta");
    m.put("seq", n + 1L);
    m.put("occurred_at_ms", System.currentTimeMillis() + n);
    m.put("response_id", "resp_" + n);
    m.put("item_id", "item_" + n);
    EventSummary s = EventSummary.parse(m, "", true, Long.MAX_VALUE / 4, 0);
    return EventCodec.encode(Commands.clientEvent("bench-" + n, s, new Commands.Caller("user-bench-" + n, "device-1",
        System.currentTimeMillis()), "web", Instant.now())).getBytes();
  }

  /**
   * The second reference: real command records (1,000 of them, distinct ids, sequences and instants,
   * encoded before the measurement), which lz4 compresses as it compresses the service's own; the first
   * reference's one repeated pattern compresses far better and is kept only so that ratios compare with
   * earlier runs.
   */
  private static List<byte[]> realCommandRecords() {
    List<byte[]> values = new ArrayList<>();
    for (int n = 0; n < 1_000; n++) {
      values.add(commandRecord(n));
    }
    return values;
  }

  /** The first reference: one JSON-like pattern repeated to the size of a command record. */
  private static List<byte[]> patternRecords(int recordBytes) {
    byte[] value = new byte[recordBytes];
    byte[] sample = "{\"type\":\"response.output_audio.delta\",\"seq\":".getBytes();
    for (int i = 0; i < value.length; i++) {
      value[i] = sample[i % sample.length];
    }
    return List.of(value);
  }

  /** The raw producer's rate and its CPU (as {@link CpuMeter#report} answers it), measured after its warm-up. */
  private static double[] rawProducerRate(BenchSupport bench, String name, List<byte[]> values, long records)
      throws Exception {
    String topic = bench.prefix + "raw-producer-" + name;
    Properties admin = new Properties();
    admin.put("bootstrap.servers", bench.broker.bootstrapServers());
    try (Admin a = Admin.create(admin)) {
      a.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
    }
    Properties props = new Properties();
    props.putAll(KafkaSettings.of(bench.broker.bootstrapServers(), "bench").producerConfig("raw"));
    int n = values.size();
    long bytes = values.stream().mapToLong(v -> v.length).sum() / n;
    try (KafkaProducer<String, byte[]> producer =
             new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, "warm", values.get(0))).get();
      // warmed as the service was: the same number of records once, unmeasured
      CountDownLatch warm = new CountDownLatch((int) records);
      for (long i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(topic, "bench-" + (i % 400), values.get((int) (i % n))),
            (md, e) -> warm.countDown());
      }
      warm.await();
      CountDownLatch done = new CountDownLatch((int) records);
      CpuMeter cpuStart = CpuMeter.now();
      long start = System.nanoTime();
      for (long i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(topic, "bench-" + (i % 400), values.get((int) (i % n))),
            (md, e) -> done.countDown());
      }
      done.await();
      long elapsedNs = System.nanoTime() - start;
      double cpu = CpuMeter.now().report(cpuStart, records, "records", "raw producer (" + name + "):");
      double rate = records / (elapsedNs / 1e9);
      System.out.printf("raw producer (%s): %s records of %d bytes in %.2f s: %s records/s%n", name,
          BenchSupport.fmt(records), bytes, elapsedNs / 1e9, BenchSupport.fmt(rate));
      return new double[] {rate, cpu};
    }
  }

  /** One session's client: one request (a turn) at a time. */
  private static final class Client {
    final BenchSupport bench;
    final String sessionId;
    final String token;
    final String path;
    long seq;
    long turn;
    long now = System.currentTimeMillis() - 3_600_000;

    Client(BenchSupport bench, String sessionId) {
      this.bench = bench;
      this.sessionId = sessionId;
      this.token = Harness.token(sessionId, Instant.now().plusSeconds(7200));
      this.path = "/v1/sessions/" + sessionId + "/events";
    }

    void loop(AtomicLong budget, CountDownLatch sent) {
      if (budget.getAndDecrement() <= 0) {
        sent.countDown();
        return;
      }
      Buffer body = nextTurn();
      bench.post(path, token, body).onComplete(ar -> {
        if (ar.failed() || ar.result().status() != 202) {
          System.err.println(sessionId + ": " + (ar.failed() ? ar.cause() : ar.result().body()));
          System.exit(1);
        }
        loop(budget, sent);
      });
    }

    /**
     * The next turn's request body, written as text: the generator shares the 2 cores with the service
     * and the broker, so it spends as little as it can (its client side took about 14 % of the CPU
     * samples of a profiled run while it built the bodies as JsonObjects).
     */
    Buffer nextTurn() {
      StringBuilder b = new StringBuilder(1200).append("{\"platform\":\"web\",\"events\":[");
      boolean first = seq == 0;
      if (first) {
        // the session's first request: connected takes the place of the last event of a turn
        add(b, "client.connected", null);
      }
      turn++;
      String rid = "\"response_id\":\"resp_" + turn + "\"";
      String item = rid + ",\"item_id\":\"item_" + turn + "\"";
      add(b, "input_audio_buffer.speech_stopped", null);
      add(b, "conversation.item.input_audio_transcription.completed", "\"transcript\":\"what is the weather\"");
      add(b, "response.created", rid);
      add(b, "response.output_item.added", item);
      add(b, "response.output_audio.delta", item);
      add(b, "response.output_audio.delta", item);
      add(b, "response.output_audio.delta", item);
      add(b, "response.output_audio.done", item);
      if (!first) {
        add(b, "response.output_audio_transcript.done", rid + ",\"transcript\":\"sunny, 21 degrees\"");
      }
      add(b, "response.done", rid + ",\"status\":\"completed\"");
      b.setLength(b.length() - 1);
      return Buffer.buffer(b.append("]}").toString());
    }

    private void add(StringBuilder b, String type, String fields) {
      now += 20;
      b.append("{\"type\":\"").append(type).append("\",\"seq\":").append(++seq).append(",\"occurred_at_ms\":")
          .append(now);
      if (fields != null) {
        b.append(',').append(fields);
      }
      b.append("},");
    }
  }
}
