package dev.rtvoice.metrics.testing;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.handle.SessionHandle;
import dev.rtvoice.common.handle.SessionHandleCodec;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.metrics.MetricsServiceMain;
import dev.rtvoice.metrics.MetricsServiceVerticle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One metrics-service deployed for a test against the real broker, with short windows (1 s buckets,
 * 2 s lateness) so that final panes come within seconds, and rotation tokens signed with its key.
 */
public final class ServiceUnderTest implements AutoCloseable {
  public static final String KEY = "metrics-service-test-key-0123456789abcdef";

  private final ServiceRuntime runtime;
  private final MetricsServiceVerticle verticle;
  private final SessionHandleCodec codec = new SessionHandleCodec(KEY, null, Clock.systemUTC());

  private ServiceUnderTest(ServiceRuntime runtime, MetricsServiceVerticle verticle) {
    this.runtime = runtime;
    this.verticle = verticle;
  }

  public static ServiceUnderTest start(TestKafka kafka, Map<String, String> overrides) {
    return start(kafka.env(), overrides);
  }

  /** Against any broker: {@code kafkaEnv} holds at least {@code KAFKA_BOOTSTRAP_SERVERS}. */
  public static ServiceUnderTest start(Map<String, String> kafkaEnv, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(kafkaEnv);
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("HTTP_PORT", "0");
    env.put("SESSION_HANDLE_KEY", KEY);
    env.put("WINDOW_BUCKET", "1s");
    env.put("WINDOW_ALLOWED_LATENESS", "2s");
    env.put("WINDOW_IDLE_TIMEOUT", "1s");
    env.put("PANE_INTERVAL", "200ms");
    env.putAll(overrides);
    ServiceRuntime runtime = ServiceRuntime.create("metrics-service");
    try {
      MetricsServiceVerticle verticle =
          MetricsServiceMain.deploy(runtime, new Env(env)).await(60, TimeUnit.SECONDS);
      ServiceUnderTest service = new ServiceUnderTest(runtime, verticle);
      Http.awaitOk(service.url("/health/ready"), Duration.ofSeconds(60));
      return service;
    } catch (Exception e) {
      runtime.close();
      throw new IllegalStateException("metrics-service did not start", e);
    }
  }

  public String url(String path) {
    return "http://127.0.0.1:" + verticle.port() + path;
  }

  /** A valid rotation token of {@code sessionId}, as token-service would sign it. */
  public String token(String sessionId) {
    Instant now = Instant.now();
    return codec.sign(new SessionHandle(sessionId, "user-1", "device-1", 0, now, now.plusSeconds(300),
        now.plusSeconds(330)));
  }

  public String expiredToken(String sessionId) {
    Instant past = Instant.now().minusSeconds(600);
    return codec.sign(new SessionHandle(sessionId, "user-1", "device-1", 0, past, past.plusSeconds(60),
        past.plusSeconds(90)));
  }

  public Http.Response post(String sessionId, String body) {
    return Http.post(url("/v1/telemetry"), body, "Authorization", "Bearer " + token(sessionId));
  }

  /** A counter of this instance's {@code /metrics} (summed over its label sets); 0 when absent. */
  public double counter(String name) {
    double total = 0;
    for (String line : Http.get(url("/metrics")).body().split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  /** Samples of {@code stage} in the merged view of the last hour, every instance's panes included. */
  public long counted(String stage) {
    return Http.get(url("/v1/latency/budget?window=1h")).json().getJsonObject("stages").getJsonObject(stage)
        .getLong("count");
  }

  @Override
  public void close() {
    try {
      runtime.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
