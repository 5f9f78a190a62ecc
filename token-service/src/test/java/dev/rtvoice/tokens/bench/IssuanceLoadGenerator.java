package dev.rtvoice.tokens.bench;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.KafkaBroker;
import dev.rtvoice.broker.KafkaBrokers;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.tokens.TokenServiceMain;
import dev.rtvoice.tokens.config.DevIdentity;
import dev.rtvoice.upstreamsim.UpstreamSimVerticle;
import dev.rtvoice.upstreamsim.config.SimConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Load generator: upstream-sim and token-service in this JVM on loopback (each its own Vert.x, as
 * the local stack runs them), a real Kafka broker (KafkaBrokers: KAFKA_BOOTSTRAP_SERVERS, Docker,
 * or a child-process KRaft broker), events on. For each rate it drives upstream-sim's
 * {@code POST /v1/realtime/client_secrets} directly, then token-service's {@code POST /v1/sessions},
 * at the same fixed rate, in an open model: request i is due at {@code start + i/rate} whatever
 * happened to earlier ones, and its latency is measured from that due time, so a stall is charged
 * to every request it delays (no coordinated omission). The difference of the two is what
 * token-service adds. A closed-loop phase then finds the ceiling.
 *
 * <pre>
 * mvn -o -q -pl token-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.rtvoice.tokens.bench.IssuanceLoadGenerator -Dexec.args="500,3000 15 20 64"
 * </pre>
 * Arguments: rates (comma-separated, per second), measured seconds per round and target, minimum
 * warm-up seconds (token-service's is extended until its JIT compiler is quiet), closed-loop
 * concurrency (0 skips that phase), {@code process} (default: token-service in a JVM of its own, as
 * deployed, so that its garbage collection is its own) or {@code inprocess} (everything in this JVM,
 * as the local stack runs it), and rounds (default 3: reference and service alternate, pooled).
 * Extra JVM options of the token-service process come from {@code TOKEN_SERVICE_JAVA_OPTS}.
 */
public final class IssuanceLoadGenerator {
  private static final String API_KEY = "sk-bench-upstream-key";
  private static final int USERS = 2_000;
  private static final Duration MAX_WARMUP = Duration.ofSeconds(180);

  private final Vertx vertx;
  private final HttpClient client;
  private final List<String> userTokens = new ArrayList<>();

  private IssuanceLoadGenerator(Vertx vertx) {
    this.vertx = vertx;
    // idle connections closed after 2 s: Vert.x picks a pooled connection by scanning all of them, and a
    // pool grown during a stall (hundreds of connections) made every later request of this generator
    // pay for the scan (a tenth of its CPU in a recording), charged to whichever target had stalled
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(2)
        .setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(1_024).setMaxWaitQueueSize(-1));
    for (int i = 0; i < USERS; i++) {
      userTokens.add(DevIdentity.mintUserToken("bench-user-" + i, Duration.ofHours(2)));
    }
  }

  /** One kind of request. */
  private interface Target {
    Future<Integer> send(int i);
  }

  private Target simDirect(int port) {
    Buffer body = new JsonObject()
        .put("expires_after", new JsonObject().put("anchor", "created_at").put("seconds", 300))
        .put("session", new JsonObject().put("type", "realtime").put("model", "gpt-realtime")
            .put("audio", new JsonObject().put("output", new JsonObject().put("voice", "marin")))).toBuffer();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/v1/realtime/client_secrets").putHeader("Authorization", "Bearer " + API_KEY)
        .putHeader("Content-Type", "application/json");
    return i -> call(options, body);
  }

  private Target tokenService(int port) {
    Buffer body = new JsonObject().put("voice", "marin").put("ttl_seconds", 300).toBuffer();
    return i -> {
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
          .setURI("/v1/sessions").putHeader("Authorization", "Bearer " + userTokens.get(i % USERS))
          .putHeader("X-Device-ID", "bench-device-" + (i % USERS)).putHeader("Content-Type", "application/json");
      return call(options, body);
    };
  }

  private Future<Integer> call(RequestOptions options, Buffer body) {
    return client.request(options).compose(req -> req.send(body)).compose(resp -> resp.body().map(b ->
        resp.statusCode()));
  }

  /** Results of one run. */
  private record Result(String name, double rate, long sent, long ok, Map<Integer, Long> failures, double seconds,
                        Histogram latencyUs) {
    double throughput() {
      return ok / seconds;
    }

    double p(double percentile) {
      return latencyUs.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  /** Open model: request i is due at start + i/rate; latency counts from the due time. */
  private Result openLoop(String name, Target target, double rate, Duration duration) {
    Promise<Result> done = Promise.promise();
    vertx.runOnContext(v -> {
      Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
      Map<Integer, Long> failures = new TreeMap<>();
      long total = (long) (rate * duration.toSeconds());
      long start = System.nanoTime();
      long[] sent = {0};
      long[] completed = {0};
      long[] ok = {0};
      long[] lastCompletion = {start};
      long timer = vertx.setPeriodic(1, t -> {
        long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * rate) + 1);
        while (sent[0] < due) {
          long index = sent[0]++;
          long intended = start + (long) (index * 1e9 / rate);
          target.send((int) index).onComplete(ar -> {
            long now = System.nanoTime();
            histogram.recordValue(Math.max(0, (now - intended) / 1_000));
            if (ar.succeeded() && ar.result() >= 200 && ar.result() < 300) {
              ok[0]++;
            } else {
              failures.merge(ar.succeeded() ? ar.result() : -1, 1L, Long::sum);
            }
            lastCompletion[0] = now;
            if (++completed[0] == total) {
              done.complete(new Result(name, rate, total, ok[0], failures, (lastCompletion[0] - start) / 1e9,
                  histogram));
            }
          });
        }
      });
      done.future().onComplete(r -> vertx.cancelTimer(timer));
    });
    return await(done.future(), duration.plusSeconds(120));
  }

  /** Closed loop: {@code concurrency} requests always in flight, as fast as they complete. */
  private Result closedLoop(String name, Target target, int concurrency, Duration duration) {
    Promise<Result> done = Promise.promise();
    vertx.runOnContext(v -> {
      Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
      Map<Integer, Long> failures = new TreeMap<>();
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      long[] counts = new long[3]; // sent, ok, in flight
      Runnable[] next = new Runnable[1];
      next[0] = () -> {
        long sentAt = System.nanoTime();
        if (sentAt >= end) {
          if (--counts[2] == 0) {
            done.complete(new Result(name, 0, counts[0], counts[1], failures, (System.nanoTime() - start) / 1e9,
                histogram));
          }
          return;
        }
        target.send((int) counts[0]++).onComplete(ar -> {
          histogram.recordValue((System.nanoTime() - sentAt) / 1_000);
          if (ar.succeeded() && ar.result() >= 200 && ar.result() < 300) {
            counts[1]++;
          } else {
            failures.merge(ar.succeeded() ? ar.result() : -1, 1L, Long::sum);
          }
          next[0].run();
        });
      };
      counts[2] = concurrency;
      for (int i = 0; i < concurrency; i++) {
        next[0].run();
      }
    });
    return await(done.future(), duration.plusSeconds(120));
  }

  private static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Warms token-service up at the measured rate for at least {@code minimum}, then in 10 s steps until
   * its JIT compiler spent under 2 % of a step (its {@code jvm_compilation_time_ms_total}), at most
   * {@link #MAX_WARMUP}: on 2 cores a fresh JVM compiles for a minute or more at 500/s, and its
   * compiler threads in the measured window were most of the tail this benchmark once reported.
   */
  private long warmUp(Target target, double rate, Duration minimum, int port, ProcessHandle service) {
    long ok = openLoop("warm-up", target, rate, minimum).ok();
    Duration spent = minimum;
    Duration step = Duration.ofSeconds(10);
    while (spent.compareTo(MAX_WARMUP) < 0) {
      double jitBefore = jitMillis(port);
      Duration cpuBefore = cpu(service);
      ok += openLoop("warm-up", target, rate, step).ok();
      spent = spent.plus(step);
      double jit = jitMillis(port) - jitBefore;
      System.out.printf(Locale.ROOT, "  warm-up %3d s: token-service JIT %5.0f ms in %d s%s%n", spent.toSeconds(), jit,
          step.toSeconds(), service == null ? " (this JVM's)" : String.format(Locale.ROOT,
              ", CPU %.3f ms per issuance", (cpu(service).minus(cpuBefore)).toNanos() / 1e6 / (rate * step.toSeconds())));
      if (jit < 0.02 * step.toMillis()) {
        return ok;
      }
    }
    System.out.printf(Locale.ROOT, "  warm-up: JIT still busy after %d s; measuring anyway%n", spent.toSeconds());
    return ok;
  }

  /** token-service's {@code jvm_compilation_time_ms_total}, from its own metrics endpoint. */
  private double jitMillis(int port) {
    Buffer page = await(client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/metrics"))
        .compose(req -> req.send().compose(resp -> resp.body())), Duration.ofSeconds(10));
    for (String line : page.toString().split("\n")) {
      if (line.startsWith("jvm_compilation_time_ms_total{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new IllegalStateException("token-service exposes no jvm_compilation_time_ms_total");
  }

  private static Duration cpu(ProcessHandle process) {
    return process == null ? Duration.ZERO : process.info().totalCpuDuration().orElse(Duration.ZERO);
  }

  private static Result pooled(String name, double rate, List<Result> rounds, Histogram all) {
    return new Result(name + " all", rate, rounds.stream().mapToLong(Result::sent).sum(),
        rounds.stream().mapToLong(Result::ok).sum(), rounds.stream().flatMap(r -> r.failures().entrySet().stream())
        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, Long::sum, TreeMap::new)),
        rounds.stream().mapToDouble(Result::seconds).sum(), all);
  }

  private static void print(Result r) {
    System.out.printf(Locale.ROOT, "  %-15s %8s %8d %8d %9.0f/s %8.2f %8.2f %8.2f %8.2f %8.2f  %s%n", r.name(),
        r.rate() > 0 ? String.format(Locale.ROOT, "%.0f/s", r.rate()) : "closed", r.sent(), r.ok(), r.throughput(),
        r.p(50), r.p(90), r.p(99), r.p(99.9), r.latencyUs().getMaxValue() / 1000.0,
        r.failures().isEmpty() ? "" : "failures " + r.failures());
  }

  private static void header() {
    System.out.printf(Locale.ROOT, "  %-15s %8s %8s %8s %11s %8s %8s %8s %8s %8s%n", "target", "rate", "sent", "ok",
        "throughput", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
  }

  private static long eventsOnTopic(String bootstrap, String topic) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static int freePort() throws java.io.IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** token-service as its own JVM, on this run's classpath, exiting with this JVM (EXIT_WITH_PARENT). */
  private static Process startProcess(Map<String, String> env) throws java.io.IOException {
    StringBuilder classpath = new StringBuilder();
    for (ClassLoader loader = Thread.currentThread().getContextClassLoader(); loader != null;
         loader = loader.getParent()) {
      if (loader instanceof java.net.URLClassLoader urls) {
        for (java.net.URL url : urls.getURLs()) {
          try {
            classpath.append(java.nio.file.Path.of(url.toURI())).append(java.io.File.pathSeparator);
          } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    classpath.append(System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String opts = System.getenv("TOKEN_SERVICE_JAVA_OPTS");
    if (opts != null && !opts.isBlank()) {
      command.addAll(List.of(opts.trim().split("\\s+")));
    }
    command.addAll(List.of("-cp", classpath.toString(), TokenServiceMain.class.getName()));
    // not under target/: exec:java runs with the repository root as working directory, where there is
    // no target/ (the start then failed and the run hung)
    java.io.File log = java.nio.file.Files.createTempFile("bench-token-service-", ".log").toFile();
    System.out.println("token-service log: " + log + ", JVM flags: "
        + String.join(" ", command.subList(1, command.indexOf("-cp"))));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    builder.environment().putAll(env);
    return builder.start();
  }

  private static void awaitReady(int port) throws InterruptedException {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
            + "/health/ready")).timeout(java.time.Duration.ofSeconds(2)).build(),
            java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet, or (seen once) a request accepted during the start and never answered: the
        // timeout turns that into another try instead of a run that hangs
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("token-service not ready on port " + port + " (see its log, named above)");
  }

  public static void main(String[] args) {
    try {
      benchmark(args);
    } catch (Throwable e) {
      // exec:java waits for non-daemon threads (Vert.x): exit, never hang
      e.printStackTrace();
      System.exit(2);
    }
  }

  private static void benchmark(String[] args) throws Exception {
    List<Double> rates = new ArrayList<>();
    for (String r : (args.length > 0 ? args[0] : "500,3000").split(",")) {
      rates.add(Double.parseDouble(r));
    }
    Duration measure = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 15);
    Duration warmup = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 5);
    int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    boolean separateProcess = !(args.length > 4 && "inprocess".equals(args[4]));
    int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 3;

    System.out.println("starting Kafka, upstream-sim and token-service ...");
    KafkaBroker broker = KafkaBrokers.start(BrokerOptions.ephemeral());
    Vertx simVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    UpstreamSimVerticle sim = new UpstreamSimVerticle(SimConfig.fromEnv(new Env(Map.of("SIM_PORT", "0",
        "SIM_API_KEY", API_KEY))), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await(simVertx.deployVerticle(sim), Duration.ofSeconds(10));
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("KAFKA_TOPIC_PREFIX", "bench.");
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("HTTP_PORT", "0");
    env.put("DEV_MODE", "true");
    env.put("UPSTREAM_BASE_URL", "http://127.0.0.1:" + sim.port());
    env.put("OPENAI_API_KEY", API_KEY);
    env.put("RATE_LIMIT_USER_PER_MINUTE", "0");
    env.put("RATE_LIMIT_DEVICE_PER_MINUTE", "0");
    env.put("LOG_LEVEL", "WARN");
    // outbox (the default) or kafka: where an answer waits for its event; a fresh outbox per run
    env.put("TOKEN_EVENT_DURABILITY", System.getenv().getOrDefault("TOKEN_EVENT_DURABILITY", "outbox"));
    env.put("TOKEN_OUTBOX_DIR", java.nio.file.Files.createTempDirectory("bench-token-outbox-").toString());
    // the outbox's other settings (TOKEN_OUTBOX_FSYNC, TOKEN_OUTBOX_FSYNC_INTERVAL, ...) from this environment
    System.getenv().forEach((name, value) -> {
      if (name.startsWith("TOKEN_OUTBOX_") && !name.equals("TOKEN_OUTBOX_DIR")) {
        env.put(name, value);
      }
    });
    System.out.println("events made durable in: " + env.get("TOKEN_EVENT_DURABILITY") + " " + env.entrySet().stream()
        .filter(e -> e.getKey().startsWith("TOKEN_OUTBOX_FSYNC")).map(Object::toString).toList());
    ServiceRuntime tokens = null;
    Process process = null;
    int servicePort;
    if (separateProcess) {
      servicePort = freePort();
      env.put("HTTP_PORT", Integer.toString(servicePort));
      env.put("EXIT_WITH_PARENT", "true");
      process = startProcess(env);
    } else {
      tokens = ServiceRuntime.create("token-service");
      servicePort = await(TokenServiceMain.deploy(tokens, new Env(env)), Duration.ofSeconds(60)).port();
    }
    awaitReady(servicePort);
    Vertx loadVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    IssuanceLoadGenerator gen = new IssuanceLoadGenerator(loadVertx);
    Target direct = gen.simDirect(sim.port());
    Target viaService = gen.tokenService(servicePort);
    String topic = "bench.realtime.token.events";
    // the topic is created asynchronously at start; wait for it before counting events
    long eventsBefore = -1;
    for (int i = 0; i < 100 && eventsBefore < 0; i++) {
      try {
        eventsBefore = eventsOnTopic(broker.bootstrapServers(), topic);
      } catch (RuntimeException e) {
        Thread.sleep(200);
      }
    }

    System.out.printf(Locale.ROOT, "cores %d, JVM %s, token-service %s, measured %d rounds of %d s per target after"
        + " at least %d s warm-up%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        separateProcess ? "in its own JVM" : "in this JVM", rounds, measure.toSeconds(), warmup.toSeconds());
    long serviceOk = 0;
    List<String> added = new ArrayList<>();
    ProcessHandle serviceProcess = process != null ? process.toHandle() : null;
    for (double rate : rates) {
      gen.openLoop("warm-up", direct, rate, warmup);
      serviceOk += gen.warmUp(viaService, rate, warmup, servicePort, serviceProcess);
      // rounds alternate the reference and the service (and which goes first), and their histograms are
      // pooled: a pause of the machine lands in one round of one of them, not in the whole of one side
      Histogram simAll = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
      Histogram svcAll = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
      List<Result> simRounds = new ArrayList<>();
      List<Result> svcRounds = new ArrayList<>();
      Duration serviceCpu = Duration.ZERO;
      for (int round = 0; round < rounds; round++) {
        Result sim1 = null;
        if (round % 2 == 0) {
          sim1 = gen.openLoop("upstream-sim", direct, rate, measure);
        }
        Duration cpuBefore = cpu(serviceProcess);
        Result svc = gen.openLoop("token-service", viaService, rate, measure);
        serviceCpu = serviceCpu.plus(cpu(serviceProcess).minus(cpuBefore));
        if (round % 2 == 1) {
          sim1 = gen.openLoop("upstream-sim", direct, rate, measure);
        }
        serviceOk += svc.ok();
        simRounds.add(sim1);
        svcRounds.add(svc);
        simAll.add(sim1.latencyUs());
        svcAll.add(svc.latencyUs());
      }
      System.out.printf(Locale.ROOT, "%nopen model at %.0f/s, %d rounds of %d s each%n", rate, rounds,
          measure.toSeconds());
      header();
      for (int round = 0; round < rounds; round++) {
        print(simRounds.get(round));
        print(svcRounds.get(round));
        System.out.printf(Locale.ROOT, "    round %d adds p50 %.2f ms, p99 %.2f ms%n", round + 1,
            svcRounds.get(round).p(50) - simRounds.get(round).p(50),
            svcRounds.get(round).p(99) - simRounds.get(round).p(99));
      }
      Result reference = pooled("upstream-sim", rate, simRounds, simAll);
      Result svc = pooled("token-service", rate, svcRounds, svcAll);
      print(reference);
      print(svc);
      if (serviceProcess != null) {
        System.out.printf(Locale.ROOT, "  token-service CPU in the measured rounds: %.3f ms per issuance%n",
            serviceCpu.toNanos() / 1e6 / Math.max(1, svc.sent()));
      }
      added.add(String.format(Locale.ROOT, "at %.0f/s token-service adds p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms"
          + " (all %d rounds pooled)", rate, svc.p(50) - reference.p(50), svc.p(99) - reference.p(99), svc.p(99.9) - reference.p(99.9),
          rounds));
      System.out.println("  " + added.get(added.size() - 1));
    }
    if (concurrency > 0) {
      Result simMax = gen.closedLoop("upstream-sim", direct, concurrency, measure);
      Result svcMax = gen.closedLoop("token-service", viaService, concurrency, measure);
      serviceOk += svcMax.ok();
      System.out.printf(Locale.ROOT, "%nclosed loop, %d in flight%n", concurrency);
      header();
      print(simMax);
      print(svcMax);
    }

    // every issuance's token.issued is on Kafka once the service stopped (its outbox delivers before it exits)
    if (tokens != null) {
      await(tokens.close(), Duration.ofSeconds(60));
    } else {
      // SIGTERM: the service drains and flushes its events before it exits
      process.destroy();
      process.waitFor(60, TimeUnit.SECONDS);
    }
    long events = eventsOnTopic(broker.bootstrapServers(), topic) - Math.max(0, eventsBefore);
    System.out.printf(Locale.ROOT, "%ntoken-service answered %d issuances with 201; %d events landed on %s%n",
        serviceOk, events, topic);
    added.forEach(a -> System.out.println(a));
    await(loadVertx.close(), Duration.ofSeconds(10));
    await(simVertx.close(), Duration.ofSeconds(10));
    broker.close();
    // the run's outbox (its segments are preallocated, 17 MB a run) is of no use once the events landed
    try (var files = java.nio.file.Files.walk(java.nio.file.Path.of(env.get("TOKEN_OUTBOX_DIR")))) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    System.exit(0);
  }
}
