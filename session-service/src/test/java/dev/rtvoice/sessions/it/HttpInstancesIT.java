package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rtvoice.common.config.ConfigException;
import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.sessions.config.IngressSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The API on several event loops ({@code HTTP_INSTANCES}): Vert.x hands the connections to the
 * instances' servers in turn, and what the instances share (here the rate limits) holds across them:
 * a session's budget is one, whichever connection, and so whichever event loop, its requests arrive on.
 */
@ExtendWith(KafkaBrokerExtension.class)
class HttpInstancesIT {
  private static final int INSTANCES = 3;
  private static final int CONNECTIONS = 9;
  private static final int BURST = 6;

  @Test
  void oneSessionsRateLimitHoldsAcrossTheInstancesConnections(TestKafka kafka) throws Exception {
    Vertx vertx = Vertx.vertx();
    try (Harness.Service service = new Harness.Service(Harness.env(kafka, Map.of(
        "HTTP_INSTANCES", Integer.toString(INSTANCES),
        "RATE_LIMIT_SESSION_EVENTS_PER_SECOND", "0.01",
        "RATE_LIMIT_SESSION_EVENTS_BURST", Integer.toString(BURST),
        "RATE_LIMIT_USER_EVENTS_PER_SECOND", "0")))) {
      int port = Integer.parseInt(service.base.substring(service.base.lastIndexOf(':') + 1));
      // one connection each: 9 connections spread over the 3 servers in turn
      List<HttpClient> connections = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        connections.add(vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
            .setDefaultPort(port).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(1)));
      }
      Harness.Client client = new Harness.Client(service.base,
          "rts_inst_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
      List<Integer> statuses = new ArrayList<>();
      for (HttpClient connection : connections) {
        JsonObject body = new JsonObject().put("events", new JsonArray().add(client.event(
            client.seq == 0 ? "client.connected" : "client.network_changed", "network", "wifi")));
        statuses.add(post(connection, client, body));
      }
      // with a budget per instance, every request would pass (3 per server, each with a burst of 6)
      assertThat(statuses).as("answers in order").containsExactly(202, 202, 202, 202, 202, 202, 429, 429, 429);
      JsonObject state = client.await("the accepted events applied", s -> s.getLong("last_ack_seq") == BURST);
      assertThat(state.getJsonObject("counters").getInteger("events_applied")).isEqualTo(BURST);
      // every instance answers its own health
      for (HttpClient connection : connections) {
        int status = connection.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/health/ready"))
            .compose(r -> r.send()).compose(r -> r.body().map(b -> r.statusCode())).await(10, TimeUnit.SECONDS);
        assertThat(status).isEqualTo(200);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theNumberOfInstancesIsBounded() {
    assertThat(IngressSettings.fromEnv(new Env(Map.of("HTTP_INSTANCES", "4"))).httpInstances()).isEqualTo(4);
    assertThat(IngressSettings.fromEnv(new Env(Map.of())).httpInstances())
        .isEqualTo(Math.min(64, Runtime.getRuntime().availableProcessors()));
    for (String bad : new String[] {"0", "65", "two"}) {
      assertThatThrownBy(() -> IngressSettings.fromEnv(new Env(Map.of("HTTP_INSTANCES", bad))))
          .isInstanceOf(ConfigException.class).hasMessageContaining("HTTP_INSTANCES");
    }
  }

  private static int post(HttpClient connection, Harness.Client client, JsonObject body) throws Exception {
    return connection.request(new RequestOptions().setMethod(HttpMethod.POST)
            .setURI("/v1/sessions/" + client.sessionId + "/events")
            .putHeader("Authorization", "Bearer " + client.token).putHeader("content-type", "application/json"))
        .compose(req -> req.send(body.toBuffer()))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .await(10, TimeUnit.SECONDS);
  }
}
