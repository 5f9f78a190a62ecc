package dev.rtvoice.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

import dev.rtvoice.common.metrics.LatencySketch;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.metrics.testing.ServiceUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two instances sharing the topics, each fed half of the samples over HTTP: each one's budget report
 * is the merge of both, with the same percentiles as a single sketch of everything.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TwoInstancesIT {

  @Test
  void twoInstancesFedDisjointHalvesReportThePercentilesOfAll(TestKafka kafka) {
    // local ingest: each instance aggregates exactly the half it was sent (with the kafka path the
    // consumer group decides which instance aggregates what; the merge is the same)
    try (ServiceUnderTest a = ServiceUnderTest.start(kafka, Map.of("INSTANCE_ID", "metrics-a", "TELEMETRY_INGEST", "local"));
         ServiceUnderTest b = ServiceUnderTest.start(kafka, Map.of("INSTANCE_ID", "metrics-b", "TELEMETRY_INGEST", "local"))) {
      Random random = new Random(42);
      int n = 20_000;
      double[] values = new double[n];
      LatencySketch all = new LatencySketch();
      for (int batch = 0; batch < n / 500; batch++) {
        JsonArray samples = new JsonArray();
        for (int i = 0; i < 500; i++) {
          double ms = Math.round(Math.exp(Math.log(1100) + 0.45 * random.nextGaussian()) * 10) / 10.0;
          values[batch * 500 + i] = ms;
          all.record(ms);
          samples.add(new JsonObject().put("stage", "first_audio").put("value_ms", ms).put("turn", i)
              .put("occurred_at", Instant.now().toString()).put("platform", i % 3 == 0 ? "ios" : "web-chrome"));
        }
        ServiceUnderTest target = batch % 2 == 0 ? a : b;
        JsonObject answer = target.post("session-" + batch, new JsonObject().put("samples", samples).encode()).json();
        assertThat(answer.getInteger("accepted")).isEqualTo(500);
      }
      Arrays.sort(values);

      for (ServiceUnderTest instance : new ServiceUnderTest[] {a, b}) {
        Eventually.await("merged view of both instances", () -> {
          JsonObject report = Http.get(instance.url("/v1/latency/budget?window=5m")).json();
          return report.getJsonObject("stages").getJsonObject("first_audio").getLong("count") == n
              && report.getInteger("instances") == 2;
        }, Duration.ofSeconds(20));
        JsonObject firstAudio = Http.get(instance.url("/v1/latency/budget?window=5m")).json()
            .getJsonObject("stages").getJsonObject("first_audio");
        for (String q : new String[] {"p50", "p95", "p99"}) {
          double quantile = Double.parseDouble("0." + q.substring(1));
          double expected = Math.round(all.quantile(quantile) * 1000) / 1000.0;
          assertThat(firstAudio.getDouble(q + "_ms")).as(q).isEqualTo(expected);
          assertThat(firstAudio.getDouble(q + "_ms")).as(q + " against the exact value")
              .isCloseTo(values[(int) Math.floor(quantile * (n - 1))], withPercentage(1));
        }
      }
    }
  }
}
