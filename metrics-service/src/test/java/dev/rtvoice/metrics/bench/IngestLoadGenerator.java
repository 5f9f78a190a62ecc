package dev.rtvoice.metrics.bench;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.KafkaBroker;
import dev.rtvoice.broker.KafkaBrokers;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.metrics.MetricsServiceMain;
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
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Sustained HTTP ingest by one metrics-service instance (target: at least 200,000 samples/s
 * in batches of 500, heap flat over a 10-minute run).
 *
 * <p>metrics-service runs as deployed: its own JVM ({@code MetricsServiceMain}, options from
 * {@code METRICS_SERVICE_JAVA_OPTS}, default {@code -Xmx512m}), against a real Kafka broker
 * (KafkaBrokers: {@code KAFKA_BOOTSTRAP_SERVERS}, Docker, or a child-process KRaft broker). This JVM
 * keeps {@code concurrency} POSTs of 500 samples in flight (closed loop), each batch freshly built:
 * six client stages, log-normal values, four platforms, event times up to 1 s old, one of 64
 * sessions with its signed rotation token. A 200 answer means the samples are durable (see the
 * README, "Ingest path"), so the rate counted here is of durable samples.
 *
 * <p>Every report interval it prints the interval's accepted samples/s, request latency, and the
 * service's heap after a full GC ({@code jcmd <pid> GC.run}, then the service's own
 * {@code jvm_memory_used_bytes{area="heap"}}). At the end it checks that every accepted sample is
 * counted in the service's merged 1 h view ({@code GET /v1/latency/budget?window=1h}).
 *
 * <pre>
 * mvn -o -q -pl metrics-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.rtvoice.metrics.bench.IngestLoadGenerator -Dexec.args="60 48 local 10"
 * </pre>
 * Arguments: duration in seconds (default 60), batches in flight (48), ingest path of the service
 * ({@code local} or {@code kafka}, the {@code TELEMETRY_INGEST} setting), report interval in seconds
 * (10).
 */
public final class IngestLoadGenerator {
  private static final String KEY = "ingest-load-generator-key-0123456789abcdef";
  private static final int BATCH = 500;
  private static final int SESSIONS = 64;
  private static final String[] STAGES = {"capture", "uplink", "downlink", "playback", "first_audio", "full_turn"};
  private static final String[] CLIENT_STAGES = STAGES;
  private static final String[] PLATFORMS = {"web", "ios", "android", "desktop"};
  private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} (\\S+)$",
      Pattern.MULTILINE);

  private final HttpClient client;
  private final int port;
  private final String[] tokens = new String[SESSIONS];
  private final SplittableRandom random = new SplittableRandom(5);
  private long turn;

  // per interval, on the load event loop
  private long accepted;
  private long rejected;
  private long failed;
  private final Map<Integer, Long> failures = new TreeMap<>();
  private Histogram latencyUs = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);

  private IngestLoadGenerator(Vertx vertx, int port) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(256).setMaxWaitQueueSize(-1));
    this.port = port;
    SessionHandleCodec codec = new SessionHandleCodec(KEY, null, Clock.systemUTC());
    Instant now = Instant.now();
    for (int i = 0; i < SESSIONS; i++) {
      tokens[i] = codec.sign(new SessionHandle("sess_bench_" + i, "user-" + i, "device-" + i, 0, now,
          now.plus(Duration.ofHours(3)), now.plus(Duration.ofHours(3))));
    }
  }

  /** One batch of 500 samples of one session, as the client library would send it. */
  private Buffer batch(int session) {
    StringBuilder json = new StringBuilder(BATCH * 140);
    long now = System.currentTimeMillis();
    // a fresh idempotency key per batch, as the client library sends (it reuses it only on a retry)
    json.append("{\"batch_id\":\"").append(UUID.randomUUID()).append("\",\"session_id\":\"sess_bench_")
        .append(session).append("\",\"samples\":[");
    for (int i = 0; i < BATCH; i++) {
      if (i > 0) {
        json.append(',');
      }
      double value = Math.exp(Math.log(150) + 0.7 * RecordingBenchmark.gaussian(random));
      json.append("{\"stage\":\"").append(CLIENT_STAGES[random.nextInt(CLIENT_STAGES.length)])
          .append("\",\"value_ms\":").append(Math.round(Math.min(value, 120_000) * 1000) / 1000.0)
          .append(",\"turn\":").append(turn++ & 0xFFFF)
          .append(",\"occurred_at\":\"").append(Instant.ofEpochMilli(now - random.nextInt(1_000)))
          .append("\",\"platform\":\"").append(PLATFORMS[random.nextInt(PLATFORMS.length)]).append("\"}");
    }
    return Buffer.buffer(json.append("]}").toString());
  }

  private Future<Void> send() {
    int session = random.nextInt(SESSIONS);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/v1/telemetry").putHeader("Authorization", "Bearer " + tokens[session])
        .putHeader("Content-Type", "application/json");
    long sentAt = System.nanoTime();
    return client.request(options)
        .compose(req -> req.send(batch(session)))
        .compose(resp -> resp.body().map(body -> {
          latencyUs.recordValue(Math.min(latencyUs.getHighestTrackableValue(), (System.nanoTime() - sentAt) / 1_000));
          if (resp.statusCode() == 200) {
            JsonObject answer = new JsonObject(body);
            accepted += answer.getLong("accepted");
            rejected += answer.getLong("rejected");
          } else {
            failed++;
            failures.merge(resp.statusCode(), 1L, Long::sum);
          }
          return (Void) null;
        }))
        .recover(e -> {
          failed++;
          failures.merge(-1, 1L, Long::sum);
          return Future.succeededFuture();
        });
  }

  /** Keeps {@code concurrency} batches in flight until {@code endNanos}. */
  private Future<Void> run(Vertx vertx, int concurrency, long endNanos) {
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> {
      int[] running = {concurrency};
      Runnable[] next = new Runnable[1];
      next[0] = () -> {
        if (System.nanoTime() >= endNanos) {
          if (--running[0] == 0) {
            done.complete();
          }
          return;
        }
        send().onComplete(ar -> next[0].run());
      };
      for (int i = 0; i < concurrency; i++) {
        next[0].run();
      }
    });
    return done.future();
  }

  /** The interval's figures, read and reset on the load event loop. */
  private record Interval(long accepted, long rejected, long failed, Map<Integer, Long> failures, Histogram latency) {}

  private Interval takeInterval() {
    Interval out = new Interval(accepted, rejected, failed, new TreeMap<>(failures), latencyUs);
    accepted = 0;
    rejected = 0;
    failed = 0;
    failures.clear();
    latencyUs = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    return out;
  }

  public static void main(String[] args) {
    try {
      benchmark(args);
    } catch (Throwable e) {
      // exec:java waits for non-daemon threads (Vert.x, the broker watchdog): exit, never hang
      e.printStackTrace();
      System.exit(2);
    }
  }

  private static void benchmark(String[] args) throws Exception {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 60;
    int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 48;
    String ingest = args.length > 2 ? args[2] : "local";
    long reportEvery = args.length > 3 ? Long.parseLong(args[3]) : 10;

    System.out.println("starting Kafka and metrics-service ...");
    KafkaBroker broker = KafkaBrokers.start(BrokerOptions.ephemeral());
    int port = freePort();
    Process service = startService(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
        "KAFKA_TOPIC_PREFIX", "bench.",
        "HTTP_HOST", "127.0.0.1",
        "HTTP_PORT", Integer.toString(port),
        "SESSION_HANDLE_KEY", KEY,
        "TELEMETRY_INGEST", ingest,
        "INSTANCE_ID", "bench-1",
        "EXIT_WITH_PARENT", "true",
        "LOG_LEVEL", "WARN"));
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    awaitReady(http, port);

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    IngestLoadGenerator gen = new IngestLoadGenerator(vertx, port);
    System.out.printf(Locale.ROOT, "cores %d, JVM %s, ingest %s, %d batches of %d in flight, %d s, service heap: %s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), ingest, concurrency, BATCH,
        seconds, serviceJavaOpts());
    System.out.printf(Locale.ROOT, "%8s %12s %10s %8s %8s %8s %8s %14s%n", "t (s)", "accepted/s", "rejected", "failed",
        "p50 ms", "p99 ms", "max ms", "heap after GC");
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    Future<Void> finished = gen.run(vertx, concurrency, end);
    long totalAccepted = 0;
    long totalRejected = 0;
    long totalFailed = 0;
    List<Long> heaps = new ArrayList<>();
    long last = start;
    boolean done = false;
    while (!done) {
      long wake = Math.min(end, last + TimeUnit.SECONDS.toNanos(reportEvery));
      while (System.nanoTime() < wake && !finished.isComplete()) {
        Thread.sleep(50);
      }
      if (System.nanoTime() >= end) {
        await(finished); // the batches still in flight at the end belong to the last interval
      }
      done = finished.isComplete();
      long now = System.nanoTime();
      Interval interval = onLoop(vertx, gen::takeInterval);
      long heap = heapAfterGc(http, service, port);
      heaps.add(heap);
      totalAccepted += interval.accepted();
      totalRejected += interval.rejected();
      totalFailed += interval.failed();
      System.out.printf(Locale.ROOT, "%8.0f %12.0f %10d %8d %8.1f %8.1f %8.1f %11.1f MiB %s%n",
          (now - start) / 1e9, interval.accepted() / ((now - last) / 1e9), interval.rejected(), interval.failed(),
          interval.latency().getValueAtPercentile(50) / 1000.0, interval.latency().getValueAtPercentile(99) / 1000.0,
          interval.latency().getMaxValue() / 1000.0, heap / 1048576.0,
          interval.failures().isEmpty() ? "" : "failures " + interval.failures());
      last = now;
    }
    double elapsed = (last - start) / 1e9;
    System.out.printf(Locale.ROOT, "%ntotal: %d samples accepted in %.1f s = %.0f samples/s (%d rejected, %d batches"
        + " failed)%n", totalAccepted, elapsed, totalAccepted / elapsed, totalRejected, totalFailed);
    if (heaps.size() >= 2) {
      List<Long> tail = heaps.subList(1, heaps.size());
      System.out.printf(Locale.ROOT, "service heap after full GC: first %.1f MiB, min %.1f, max %.1f, last %.1f MiB%n",
          heaps.get(0) / 1048576.0, tail.stream().mapToLong(Long::longValue).min().orElse(0) / 1048576.0,
          tail.stream().mapToLong(Long::longValue).max().orElse(0) / 1048576.0,
          heaps.get(heaps.size() - 1) / 1048576.0);
    }

    // nothing accepted is lost: the merged view of the windows topic counts every accepted sample
    long counted = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      counted = countedInView(http, port);
      if (counted >= totalAccepted) {
        break;
      }
      Thread.sleep(500);
    }
    System.out.printf(Locale.ROOT, "counted in the service's 1h view: %d of %d accepted samples%s%n", counted,
        totalAccepted, counted == totalAccepted ? " (all)" : " (MISMATCH)");

    await(vertx.close());
    service.destroy();
    service.waitFor(60, TimeUnit.SECONDS);
    broker.close();
    System.exit(counted == totalAccepted ? 0 : 1);
  }

  private static <T> T onLoop(Vertx vertx, java.util.function.Supplier<T> task) {
    Promise<T> promise = Promise.promise();
    vertx.runOnContext(v -> promise.complete(task.get()));
    return await(promise.future());
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A full GC in the service (jcmd), then the heap it reports: what it really holds. */
  private static long heapAfterGc(java.net.http.HttpClient http, Process service, int port) throws Exception {
    Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(service.pid()), "GC.run").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    gc.waitFor(30, TimeUnit.SECONDS);
    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = HEAP.matcher(metrics);
    long sum = 0;
    while (m.find()) {
      sum += (long) Double.parseDouble(m.group(1));
    }
    return sum;
  }

  private static long countedInView(java.net.http.HttpClient http, int port) throws Exception {
    JsonObject budget = new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/v1/latency/budget?window=1h")).build(), HttpResponse.BodyHandlers.ofString()).body());
    long total = 0;
    for (String stage : STAGES) {
      total += budget.getJsonObject("stages").getJsonObject(stage).getLong("count");
    }
    return total;
  }

  private static String serviceJavaOpts() {
    String opts = System.getenv("METRICS_SERVICE_JAVA_OPTS");
    return opts == null || opts.isBlank() ? "-Xmx512m" : opts.trim();
  }

  /** metrics-service as its own JVM on this run's classpath, exiting with this JVM (EXIT_WITH_PARENT). */
  private static Process startService(Map<String, String> env) throws IOException {
    StringBuilder classpath = new StringBuilder();
    for (ClassLoader loader = Thread.currentThread().getContextClassLoader(); loader != null;
         loader = loader.getParent()) {
      if (loader instanceof URLClassLoader urls) {
        for (URL url : urls.getURLs()) {
          try {
            classpath.append(Path.of(url.toURI())).append(File.pathSeparator);
          } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    classpath.append(System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(serviceJavaOpts().split("\\s+")));
    command.addAll(List.of("-cp", classpath.toString(), MetricsServiceMain.class.getName()));
    // not under target/: exec:java runs with the repository root as working directory
    File log = java.nio.file.Files.createTempFile("bench-metrics-service-", ".log").toFile();
    System.out.println("metrics-service log: " + log);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    builder.environment().putAll(env);
    return builder.start();
  }

  private static void awaitReady(java.net.http.HttpClient http, int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("metrics-service not ready on port " + port + " (see its log, named above)");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
