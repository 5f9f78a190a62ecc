package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The service starts on its own against a real broker: topics, health, metrics, JSON errors. */
@ExtendWith(KafkaBrokerExtension.class)
class TokenServiceSkeletonIT {

  @Test
  void startsCreatesItsTopicsAndReportsHealth(TestKafka kafka) throws Exception {
    try (TokenServiceHarness h = TokenServiceHarness.start(kafka)) {
      String base = h.base;
      assertThat(Http.get(base + "/health/live").status()).isEqualTo(200);
      Http.Response ready = Http.get(base + "/health/ready");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.json().getJsonObject("checks").getString("kafka")).isEqualTo("UP");
      assertThat(ready.json().getJsonObject("checks").getString("rotation_ledger")).isEqualTo("UP");
      assertThat(ready.json().getJsonObject("checks").getString("rate_limit_share")).isEqualTo("UP");
      assertThat(ready.json().getJsonObject("checks").getString("identity_keys")).isEqualTo("UP");
      // shared by every instance: reported, not gating
      Eventually.await("upstream probed", () -> "UP".equals(Http.get(base + "/health/ready").json()
          .getJsonObject("dependencies").getString("upstream")), Duration.ofSeconds(30));
      assertThat(Http.get(base + "/health/ready").json().getJsonObject("dependencies")
          .getString("identity_provider")).isEqualTo("UP");
      assertThat(kafka.topicNames()).contains(kafka.topicPrefix() + "realtime.token.events");

      // meters exist before the first request, so dashboards and alerts see them at once
      Http.Response metrics = Http.get(base + "/metrics");
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("service=\"token-service\"")
          .contains("upstream_circuit_state").contains("token_rate_limit_instances")
          .contains("dependency_up{dependency=\"upstream\"");

      Http.Response missing = Http.get(base + "/no/such/route");
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.error().getString("code")).isEqualTo("not_found");
    }
  }
}
