package dev.rtvoice.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.tokens.testing.TokenServiceHarness;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two token-service instances on the real broker enforce one per-device and one per-user limit,
 * not two: each counts the members of the group {@code <prefix>token-service} and holds that share
 * of every bucket. A caller who spreads its requests over both instances (round robin, or on
 * purpose, to get twice the limit) gets the limit once; when one instance stops, the other takes
 * the whole limit over.
 */
@ExtendWith(KafkaBrokerExtension.class)
class SharedRateLimitIT {
  // 1 per minute: nothing refills within the test (each instance gets a token every 2 minutes)
  private static final Map<String, String> ENV = Map.of(
      "RATE_LIMIT_DEVICE_PER_MINUTE", "1", "RATE_LIMIT_DEVICE_BURST", "6",
      "RATE_LIMIT_USER_PER_MINUTE", "1", "RATE_LIMIT_USER_BURST", "8");
  private static final Duration SETTLE = Duration.ofSeconds(45);

  @Test
  void twoInstancesAdmitOneLimitAndTheSurvivorTakesAllOfItOver(TestKafka kafka) throws Exception {
    try (TokenServiceHarness a = TokenServiceHarness.start(kafka, ENV)) {
      assertThat(a.metric("token_rate_limit_instances", "")).isEqualTo(1.0);
      try (TokenServiceHarness b = TokenServiceHarness.another(a, ENV)) {
        Eventually.await("both instances count two", () -> a.metric("token_rate_limit_instances", "") == 2.0
            && b.metric("token_rate_limit_instances", "") == 2.0, SETTLE);
        assertThat(Http.get(b.base + "/health/ready").json().getJsonObject("checks")
            .getString("rate_limit_share")).isEqualTo("UP");

        // one device, its requests alternating between the instances: the device's burst of 6, once
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
          admitted += created(a.issue("ulla", "phone", null));
          admitted += created(b.issue("ulla", "phone", null));
        }
        assertThat(admitted).as("device burst 6 across two instances, not 12").isEqualTo(6);

        // the user's limit spans devices and instances: 8 in all, 6 already taken by the phone
        int more = 0;
        for (int i = 0; i < 4; i++) {
          more += created(a.issue("ulla", "tablet-" + i, null));
          more += created(b.issue("ulla", "tablet-" + i, null));
        }
        assertThat(more).as("user burst 8 across two instances, not 16").isEqualTo(2);

        Http.Response refused = b.issue("ulla", "laptop", null);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.error().getString("code")).isEqualTo("rate_limited");
        assertThat(refused.header("Retry-After")).isNotNull();
      }

      // b left its group when it stopped: a enforces the whole limit, without waiting for a session timeout
      Eventually.await("the survivor counts one", () -> a.metric("token_rate_limit_instances", "") == 1.0, SETTLE);
      int alone = 0;
      for (int i = 0; i < 10; i++) {
        alone += created(a.issue("vera", "phone", null));
      }
      assertThat(alone).as("one instance: the whole device burst").isEqualTo(6);
    }
  }

  private static int created(Http.Response r) {
    if (r.status() == 201) {
      return 1;
    }
    assertThat(r.status()).as(r.body()).isEqualTo(429);
    return 0;
  }

  @Test
  void anUnreachableUpstreamIsReportedWhileTheInstanceStaysReadyAndAnswersItself(TestKafka kafka) throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    // the harness waits for /health/ready: with upstream gating readiness it would never start
    try (TokenServiceHarness h = TokenServiceHarness.start(kafka, Map.of(
        "UPSTREAM_BASE_URL", "http://127.0.0.1:" + closedPort, "UPSTREAM_TOTAL_TIMEOUT", "1s"))) {
      Eventually.await("upstream reported DOWN", () -> Http.get(h.base + "/health/ready").json()
          .getJsonObject("dependencies").getString("upstream").startsWith("DOWN"), SETTLE);
      Http.Response ready = Http.get(h.base + "/health/ready");
      assertThat(ready.status()).isEqualTo(200);
      JsonObject checks = ready.json().getJsonObject("checks");
      assertThat(checks.fieldNames()).containsExactlyInAnyOrder("kafka", "rotation_ledger", "rate_limit_share",
          "identity_keys", "outbox");
      assertThat(ready.json().getJsonObject("dependencies").getString("identity_provider")).isEqualTo("UP");
      assertThat(h.metric("dependency_up", "dependency=\"upstream\"")).isEqualTo(0.0);
      assertThat(h.metric("dependency_probe_failures_total", "dependency=\"upstream\"")).isGreaterThan(0.0);

      // the caller gets the service's own JSON 5xx, not a load balancer's bare error
      Http.Response r = h.issue("wanda", "phone", null);
      assertThat(r.status()).as(r.body()).isBetween(500, 599);
      assertThat(r.error().getString("code")).isIn("upstream_error", "upstream_timeout", "upstream_unavailable");
    }
  }
}
