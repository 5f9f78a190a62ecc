package dev.rtvoice.metrics.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import dev.rtvoice.metrics.testing.ServiceUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A telemetry batch sent again with the same {@code batch_id} is counted once, on the real broker:
 * after the client gave up waiting, after a 503 whose write still went through, on another
 * instance, and after the consuming instance restarted.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TelemetryRetryIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static String batch(String batchId, String stage, int samples) {
    JsonArray list = new JsonArray();
    Instant now = Instant.now();
    for (int i = 0; i < samples; i++) {
      list.add(new JsonObject().put("stage", stage).put("value_ms", 40 + i).put("turn", i)
          .put("occurred_at", now.toString()).put("platform", "web"));
    }
    return new JsonObject().put("batch_id", batchId).put("samples", list).encode();
  }

  /** Sends the whole request and stops listening, as a client whose timeout fired does. */
  private static Socket sendAndStopWaiting(ServiceUnderTest service, String session, String body) throws Exception {
    URI uri = URI.create(service.url("/v1/telemetry"));
    Socket socket = new Socket(uri.getHost(), uri.getPort());
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head = "POST /v1/telemetry HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nAuthorization: Bearer "
        + service.token(session) + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
    return socket;
  }

  private static void awaitCounted(ServiceUnderTest service, String stage, long expected) {
    Eventually.await(stage + " counted " + expected + " times", () -> service.counted(stage) >= expected, WAIT);
  }

  @Test
  void aRetryAfterTheClientTimedOutIsCountedOnce(TestKafka kafka) throws Exception {
    try (ServiceUnderTest service = ServiceUnderTest.start(kafka, Map.of())) {
      String body = batch("b-timeout-1", "capture", 20);
      try (Socket gaveUp = sendAndStopWaiting(service, "s-timeout", body)) {
        Http.Response retry = service.post("s-timeout", body);
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.json().getInteger("accepted")).isEqualTo(20);
      }
      // both copies reached the consumer: one counted, the other skipped
      Eventually.await("the second copy skipped",
          () -> service.counter("telemetry_samples_duplicate_total") >= 20, WAIT);
      awaitCounted(service, "capture", 20);
      assertThat(service.counter("telemetry_samples_duplicate_total")).isEqualTo(20);
      assertThat(service.counted("capture")).isEqualTo(20);
    }
  }

  @Test
  void aRetryAfterA503OnAnotherInstanceAndAfterARestartIsCountedOnce(TestKafka kafka) {
    // a lateness long enough for the retry after the restart to still be on time
    Map<String, String> env = Map.of("WINDOW_ALLOWED_LATENESS", "60s");
    // instance a answers 503 once its 1 ms deadline passes, while its write still goes through
    ServiceUnderTest a = ServiceUnderTest.start(kafka, Map.of("WINDOW_ALLOWED_LATENESS", "60s",
        "TELEMETRY_DEADLINE", "1ms"));
    ServiceUnderTest b = ServiceUnderTest.start(kafka, env);
    long expected = 0;
    String unavailable = null;
    try {
      for (int i = 0; i < 50 && unavailable == null; i++) {
        String body = batch("b-503-" + i, "uplink", 10);
        Http.Response first = a.post("s-503", body);
        assertThat(first.status()).isIn(200, 503);
        if (first.status() == 503) {
          assertThat(first.error().getString("code")).isEqualTo("unavailable");
          assertThat(first.header("Retry-After")).isEqualTo("1");
          unavailable = body;
          Http.Response retry = b.post("s-503", body);
          assertThat(retry.status()).isEqualTo(200);
        }
        expected += 10;
      }
      assertThat(unavailable).as("a 503 from the 1 ms deadline").isNotNull();
      awaitCounted(b, "uplink", expected);
      Eventually.await("the 503's copy skipped",
          () -> a.counter("telemetry_samples_duplicate_total") + b.counter("telemetry_samples_duplicate_total") >= 10,
          WAIT);
      assertThat(b.counted("uplink")).isEqualTo(expected);
    } finally {
      a.close();
      b.close();
    }

    // every instance restarted: the new one rebuilds the recent batch keys from the log
    try (ServiceUnderTest restarted = ServiceUnderTest.start(kafka, env)) {
      awaitCounted(restarted, "uplink", expected);
      Http.Response again = restarted.post("s-503", unavailable);
      assertThat(again.status()).isEqualTo(200);
      assertThat(again.json().getInteger("accepted")).as("still on time, so it could be counted").isEqualTo(10);
      Eventually.await("the copy after the restart skipped",
          () -> restarted.counter("telemetry_samples_duplicate_total") >= 10, WAIT);
      assertThat(restarted.counted("uplink")).isEqualTo(expected);
    }
  }
}
