package dev.rtvoice.tokens.testing;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.TokenServiceMain;
import dev.rtvoice.tokens.TokenServiceVerticle;
import dev.rtvoice.tokens.config.DevIdentity;
import dev.rtvoice.upstreamsim.UpstreamSimVerticle;
import dev.rtvoice.upstreamsim.config.SimConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * upstream-sim (in-process, its own Vert.x, real HTTP on loopback) and token-service (its own
 * runtime, as the stack deploys it) against the test's real Kafka broker. Every response that goes
 * through {@link #post} is kept, for the secret-leak search.
 */
public final class TokenServiceHarness implements AutoCloseable {
  public static final String API_KEY = "sk-test-upstream-key-7d1f9c2b8e4a";

  public final TestKafka kafka;
  public final String sim;
  public final String base;
  public final TokenServiceVerticle service;
  private final String topicPrefix;
  private final Map<String, String> kafkaEnv;
  private final Vertx simVertx;
  private final ServiceRuntime runtime;
  private final List<Http.Response> responses = Collections.synchronizedList(new ArrayList<>());
  private final java.nio.file.Path outboxDir;

  private TokenServiceHarness(TestKafka kafka, Map<String, String> kafkaEnv, String sharedSim,
                              Map<String, String> overrides) throws Exception {
    this.kafka = kafka;
    this.kafkaEnv = Map.copyOf(kafkaEnv);
    this.topicPrefix = kafkaEnv.getOrDefault("KAFKA_TOPIC_PREFIX", "");
    if (sharedSim == null) {
      simVertx = Vertx.vertx();
      UpstreamSimVerticle simVerticle = new UpstreamSimVerticle(SimConfig.fromEnv(new Env(Map.of(
          "SIM_PORT", "0", "SIM_API_KEY", API_KEY))), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
      simVertx.deployVerticle(simVerticle).await(10, TimeUnit.SECONDS);
      sim = "http://127.0.0.1:" + simVerticle.port();
    } else {
      simVertx = null;
      sim = sharedSim;
    }

    Map<String, String> env = new HashMap<>(kafkaEnv);
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("HTTP_PORT", "0");
    env.put("HTTP_INSTANCES", "2");
    env.put("DEV_MODE", "true");
    env.put("UPSTREAM_BASE_URL", sim);
    env.put("OPENAI_API_KEY", API_KEY);
    env.put("UPSTREAM_REQUEST_TIMEOUT", "500ms");
    env.put("UPSTREAM_TOTAL_TIMEOUT", "3s");
    env.put("UPSTREAM_RETRY_BASE", "20ms");
    env.put("UPSTREAM_RETRY_MAX_DELAY", "200ms");
    env.put("KAFKA_LINGER_MS", "1");
    // every instance has an outbox of its own (a test that restarts one on its outbox passes the same dir)
    outboxDir = java.nio.file.Files.createTempDirectory("token-outbox-");
    env.put("TOKEN_OUTBOX_DIR", outboxDir.toString());
    env.putAll(overrides);
    runtime = ServiceRuntime.create("token-service");
    service = TokenServiceMain.deploy(runtime, new Env(env)).await(60, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + service.port();
    Http.awaitOk(base + "/health/ready", Duration.ofSeconds(30));
  }

  public static TokenServiceHarness start(TestKafka kafka) throws Exception {
    return new TokenServiceHarness(kafka, kafka.env(), null, Map.of());
  }

  public static TokenServiceHarness start(TestKafka kafka, Map<String, String> overrides) throws Exception {
    return new TokenServiceHarness(kafka, kafka.env(), null, overrides);
  }

  /** Another token-service instance on the same topics and the same simulator (closing it leaves them alone). */
  public static TokenServiceHarness another(TokenServiceHarness first, Map<String, String> overrides)
      throws Exception {
    return new TokenServiceHarness(first.kafka, first.kafkaEnv, first.sim, overrides);
  }

  /** token-service on a broker of the test's own (one it stops and restarts), with its own topic prefix. */
  public static TokenServiceHarness onBroker(String bootstrapServers, String topicPrefix,
                                             Map<String, String> overrides) throws Exception {
    return new TokenServiceHarness(null, Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers,
        "KAFKA_TOPIC_PREFIX", topicPrefix, "KAFKA_TOPIC_PARTITIONS", "3", "KAFKA_SESSION_TIMEOUT", "6s"), null,
        overrides);
  }

  public static String userToken(String userId) {
    return DevIdentity.mintUserToken(userId, Duration.ofMinutes(10));
  }

  public String tokenTopic() {
    return topicPrefix + "realtime.token.events";
  }

  /** The rotation ledger of this instance's topics. */
  public String rotationTopic() {
    return topicPrefix + "realtime.token.rotations";
  }

  /** POST to token-service; the response is recorded. */
  public Http.Response post(String path, String body, String... headers) {
    Http.Response r = Http.post(base + path, body, headers);
    responses.add(r);
    return r;
  }

  public Http.Response issue(String user, String device, JsonObject body) {
    return post("/v1/sessions", body == null ? null : body.encode(), "Authorization", "Bearer " + userToken(user),
        "X-Device-ID", device);
  }

  public Http.Response rotate(String user, String device, String sessionId, String rotationToken) {
    return post("/v1/sessions/" + sessionId + "/rotate", new JsonObject().put("rotation_token", rotationToken).encode(),
        "Authorization", "Bearer " + userToken(user), "X-Device-ID", device);
  }

  /** A new rotation token without a client secret ({@code POST /v1/sessions/{id}/refresh}). */
  public Http.Response refresh(String user, String device, String sessionId, String rotationToken) {
    return post("/v1/sessions/" + sessionId + "/refresh",
        new JsonObject().put("rotation_token", rotationToken).encode(),
        "Authorization", "Bearer " + userToken(user), "X-Device-ID", device);
  }

  public Http.Response get(String path) {
    Http.Response r = Http.get(base + path);
    responses.add(r);
    return r;
  }

  /** Queues {@code count} failures of the simulator's client_secrets endpoint. */
  public void fault(int status, int count, int retryAfterSeconds, long delayMs) {
    Http.Response r = Http.post(sim + "/admin/faults", new JsonObject().put("target", "client_secrets")
        .put("status", status).put("count", count).put("retry_after_s", retryAfterSeconds).put("delay_ms", delayMs)
        .encode());
    if (r.status() != 201) {
      throw new IllegalStateException("fault not accepted: " + r.body());
    }
  }

  public JsonObject simState() {
    return Http.get(sim + "/admin/state").json();
  }

  public long simSecretCalls() {
    return simState().getLong("secret_calls");
  }

  public void resetSim() {
    Http.post(sim + "/admin/reset", "{}");
  }

  public JsonObject validateSecret(String value) {
    return Http.post(sim + "/admin/secrets/validate", new JsonObject().put("value", value).encode()).json();
  }

  /** The value of a Prometheus counter or gauge of this instance (0 when it has no such series yet). */
  public double metric(String name, String labels) {
    String prefix = name + "{";
    for (String line : Http.get(base + "/metrics").body().split("\n")) {
      if (line.startsWith(prefix) && line.contains(labels)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  public List<Http.Response> responses() {
    synchronized (responses) {
      return new ArrayList<>(responses);
    }
  }

  @Override
  public void close() throws Exception {
    runtime.close().await(30, TimeUnit.SECONDS);
    if (simVertx != null) {
      simVertx.close().await(10, TimeUnit.SECONDS);
    }
    deleteRecursively(outboxDir);
  }

  public static void deleteRecursively(java.nio.file.Path dir) throws java.io.IOException {
    if (!java.nio.file.Files.exists(dir)) {
      return;
    }
    try (var paths = java.nio.file.Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
