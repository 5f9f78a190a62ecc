package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.broker.BrokerOptions;
import dev.rtvoice.broker.ChildProcessKafkaBroker;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail fast on a broker outage, on a broker of this test's own (the shared one must stay up for the
 * other test classes): a child-process KRaft broker on a kept data folder, stopped mid-conversation
 * and started again on the same folder and ports. While it is down, a write is answered 503
 * {@code unavailable} with {@code Retry-After} within {@code REQUEST_DEADLINE} (not after the
 * producer's 30 s delivery timeout), and once the service knows Kafka is down, at once without being
 * queued; reads are still served from the read view. After the restart the client retries the same
 * requests (same {@code seq}s and interrupt ids) and the session ends exactly as the conversation
 * says: nothing answered 503 is lost, nothing is applied twice (a request that missed its deadline
 * may still have been written: its retry is then a recognized duplicate).
 */
class BrokerOutageIT {
  private static final long DEADLINE_MS = 2_000;

  @Test
  void writesFailFastDuringAnOutageAndTheirRetriesAfterTheRestartAreAppliedOnce(@TempDir Path dir)
      throws Exception {
    ChildProcessKafkaBroker broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(dir, 0, 0));
    Harness.Service service = null;
    try {
      Map<String, String> env = new HashMap<>();
      env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
      env.put("KAFKA_TOPIC_PREFIX", "outage-" + UUID.randomUUID().toString().substring(0, 8) + ".");
      env.put("KAFKA_TOPIC_PARTITIONS", "3");
      env.put("KAFKA_SESSION_TIMEOUT", "6s");
      env.put("HTTP_PORT", "0");
      env.put("HTTP_HOST", "127.0.0.1");
      env.put("SESSION_HANDLE_KEY", Harness.HANDLE_KEY);
      env.put("OPERATOR_TOKEN", Harness.OPERATOR);
      env.put("REQUEST_DEADLINE", DEADLINE_MS + "ms");
      env.put("KAFKA_PROBE_INTERVAL", "250ms");
      // the conversation's event time is its own: no timeout may fire while the wall clock runs on
      env.put("THINKING_TIMEOUT", "10m");
      env.put("CANCEL_ACK_TIMEOUT", "10m");
      service = new Harness.Service(env);
      String base = service.base;

      Conversation conversation = new Conversation("rts_outage_" + UUID.randomUUID().toString().substring(0, 8), 6,
          System.currentTimeMillis() - 60_000, Instant.now().plusSeconds(3600));
      for (int i = 0; i < 8; i++) { // connected and the first turn: LISTENING
        assertThat(conversation.sendNext(base)).as("step " + i + " with the broker up").isTrue();
      }
      Harness.Client reader = new Harness.Client(base, conversation.sessionId, conversation.token);
      reader.await("the first turn applied", s -> s.getLong("last_ack_seq") == 8);

      broker.close();

      // the first write of the outage: answered within the deadline, whichever way the service learns it
      long t0 = System.nanoTime();
      Http.Response first = post(base, conversation);
      long firstMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertUnavailable(first);
      assertThat(firstMs).as("answered within the deadline (plus scheduling slack), not the 30 s delivery timeout")
          .isLessThan(DEADLINE_MS + 3_000);
      boolean firstWasQueued = missedDeadline(first);
      int[] queued = {firstWasQueued ? 1 : 0};

      // the service now knows Kafka is down: writes are refused at once, nothing queued
      Http.Response[] refused = {null};
      Eventually.await("writes refused because Kafka is known to be down", () -> {
        refused[0] = post(base, conversation);
        assertUnavailable(refused[0]);
        queued[0] += missedDeadline(refused[0]) ? 1 : 0;
        return refused[0].error().getString("message").startsWith("Kafka is unavailable");
      }, Duration.ofSeconds(20));
      Http.Response interrupt = Http.post(base + "/v1/sessions/" + conversation.sessionId + "/interrupt",
          new JsonObject().put("interrupt_id", "int_during_outage").put("audio_end_ms", 10).encode(),
          "Authorization", "Bearer " + conversation.token);
      assertUnavailable(interrupt);
      assertThat(interrupt.error().getString("message")).startsWith("Kafka is unavailable");
      assertThat(Http.get(base + "/health/ready").status()).isEqualTo(503);
      assertThat(reader.get().status()).as("reads are served from the read view").isEqualTo(200);

      broker = ChildProcessKafkaBroker.start(BrokerOptions.persistent(dir, 0, 0));

      // the client retries what was refused (same seq, same interrupt ids) and carries on
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!conversation.done()) {
        if (!conversation.sendNext(base)) {
          assertThat(System.nanoTime()).as("the service accepts writes again after the restart").isLessThan(until);
          Thread.sleep(200);
        }
      }
      int events = conversation.eventCount();
      JsonObject state = reader.await("every event applied", s -> s.getLong("last_ack_seq") == events
          && s.getJsonObject("counters").getInteger("interrupts_recovered") == 2);
      JsonObject counters = state.getJsonObject("counters");
      assertThat(counters.getInteger("events_applied")).as("each event and interrupt applied once")
          .isEqualTo(events + 2);
      assertThat(counters.getInteger("interrupts")).as("each interrupt applied once").isEqualTo(2);
      assertThat(counters.getInteger("refused")).isZero();
      assertThat(state.getInteger("turn")).isEqualTo(6);
      assertThat(state.getString("phase")).isEqualTo("LISTENING");
      // a write that missed its deadline was queued in the producer and written after the restart:
      // its retry is the duplicate the owner recognized (and did not apply)
      System.out.printf("outage: first write %s after %d ms; duplicates recognized after the restart: %d%n",
          firstWasQueued ? "missed its deadline" : "was refused at once", firstMs, counters.getInteger("duplicates"));
      assertThat(counters.getInteger("duplicates")).isLessThanOrEqualTo(queued[0] + conversation.ambiguousRetries);
      if (firstWasQueued) {
        // the producer kept it (the outage was shorter than its delivery timeout) and wrote it, in order,
        // before its retry
        assertThat(counters.getInteger("duplicates")).isGreaterThanOrEqualTo(1);
      }
    } finally {
      if (service != null) {
        service.close();
      }
      broker.close();
    }
  }

  private static Http.Response post(String base, Conversation c) {
    Conversation.Step step = c.steps.get(c.next);
    String path = "/v1/sessions/" + c.sessionId + (step.interrupt() ? "/interrupt" : "/events");
    String body = step.interrupt() ? step.body().encode()
        : new JsonObject().put("platform", "web").put("events", new JsonArray().add(step.body())).encode();
    return Http.post(base + path, body, "Authorization", "Bearer " + c.token);
  }

  /** A 503 after the write was handed to the producer (it may still be written later), not a refusal at once. */
  private static boolean missedDeadline(Http.Response r) {
    return r.error().getString("message").contains("request deadline");
  }

  private static void assertUnavailable(Http.Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(503);
    assertThat(r.error().getString("code")).isEqualTo("unavailable");
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }
}
