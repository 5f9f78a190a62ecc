package dev.rtvoice.sessions.bench;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.KafkaBroker;
import dev.rtvoice.broker.KafkaBrokers;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.sessions.SessionServiceMain;
import dev.rtvoice.sessions.SessionServiceVerticle;
import dev.rtvoice.sessions.it.Harness;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** What the benchmarks share: a real broker, one session-service instance in this JVM, an async HTTP client. */
final class BenchSupport implements AutoCloseable {
  final KafkaBroker broker;
  final String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + ".";
  final ServiceRuntime runtime;
  final SessionServiceVerticle service;
  final int port;
  final Vertx clientVertx = Vertx.vertx();
  final HttpClient http;

  BenchSupport(Map<String, String> extraEnv) throws Exception {
    broker = KafkaBrokers.start(BrokerOptions.ephemeral());
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("KAFKA_TOPIC_PREFIX", prefix);
    env.put("KAFKA_TOPIC_PARTITIONS", "3");
    env.put("HTTP_PORT", "0");
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("SESSION_HANDLE_KEY", Harness.HANDLE_KEY);
    // nothing may time out while the generator is busy elsewhere
    env.put("THINKING_TIMEOUT", "10m");
    env.put("CANCEL_ACK_TIMEOUT", "10m");
    env.putAll(extraEnv);
    runtime = ServiceRuntime.create("session-service");
    service = SessionServiceMain.deploy(runtime, new Env(env)).await(60, TimeUnit.SECONDS);
    port = service.port();
    http = clientVertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setDefaultHost("127.0.0.1").setDefaultPort(port), new PoolOptions().setHttp1MaxSize(256).setMaxWaitQueueSize(-1));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      int status = get("/health/ready", null).map(r -> r.status).await(10, TimeUnit.SECONDS);
      if (status == 200) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("session-service not ready");
      }
      Thread.sleep(200);
    }
  }

  record Answer(int status, Buffer body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  Future<Answer> post(String path, String token, Buffer body) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
            .putHeader("Authorization", "Bearer " + token).putHeader("content-type", "application/json"))
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b)));
  }

  Future<Answer> get(String path, String token) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setURI(path);
    if (token != null) {
      options.putHeader("Authorization", "Bearer " + token);
    }
    return http.request(options).compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(), b)));
  }

  /** The sum of a counter over all its tags, from the service's own registry. */
  double counter(String name) {
    double sum = 0;
    for (Meter m : runtime.registry().find(name).meters()) {
      for (Measurement x : m.measure()) {
        sum += x.getValue();
      }
    }
    return sum;
  }

  @Override
  public void close() {
    try {
      clientVertx.close().await(10, TimeUnit.SECONDS);
      runtime.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("close: " + e);
    }
    broker.close();
  }

  static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, "%,.0f", v);
  }
}
