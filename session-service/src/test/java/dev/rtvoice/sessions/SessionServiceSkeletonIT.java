package dev.rtvoice.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.config.Env;
import dev.rtvoice.common.runtime.ServiceRuntime;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The service starts on its own against a real broker: topics, health, metrics, JSON errors. */
@ExtendWith(KafkaBrokerExtension.class)
class SessionServiceSkeletonIT {

  @Test
  void startsCreatesItsTopicsAndReportsHealth(TestKafka kafka) throws Exception {
    ServiceRuntime runtime = ServiceRuntime.create("session-service");
    try {
      Env env = new Env(kafka.env()).with(Map.of("HTTP_PORT", "0", "HTTP_HOST", "127.0.0.1", "DEV_MODE", "true"));
      SessionServiceVerticle service = SessionServiceMain.deploy(runtime, env).await(60, TimeUnit.SECONDS);
      String base = "http://127.0.0.1:" + service.port();

      assertThat(Http.get(base + "/health/live").status()).isEqualTo(200);
      Http.awaitOk(base + "/health/ready", Duration.ofSeconds(30));
      assertThat(Http.get(base + "/health/ready").json().getJsonObject("checks").getString("kafka")).isEqualTo("UP");
      assertThat(kafka.topicNames()).contains(kafka.topicPrefix() + "realtime.session.state",
          kafka.topicPrefix() + "realtime.session.commands", kafka.topicPrefix() + "realtime.session.commands.dlq",
          kafka.topicPrefix() + "realtime.session.events");
      assertThat(kafka.topicConfig(kafka.topicPrefix() + "realtime.session.state").get("cleanup.policy"))
          .isEqualTo("compact");
      assertThat(kafka.topicConfig(kafka.topicPrefix() + "realtime.session.events").get("cleanup.policy"))
          .isEqualTo("delete");

      Http.Response metrics = Http.get(base + "/metrics");
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("service=\"session-service\"");

      Http.Response missing = Http.get(base + "/no/such/route");
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.error().getString("code")).isEqualTo("not_found");
    } finally {
      runtime.close().await(30, TimeUnit.SECONDS);
    }
  }
}
