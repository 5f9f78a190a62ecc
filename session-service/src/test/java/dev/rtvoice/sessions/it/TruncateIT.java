package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The interrupt's truncate against upstream-sim, which refuses a truncate past an item's audio as
 * OpenAI does: what the service advises is always accepted, where the client's own figure (what it
 * says it played) would be refused as "already shorter"; such a refusal, reported, is counted apart
 * and recovers nothing.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TruncateIT {

  /** The next of the answers a truncate can get on this connection. */
  private static JsonObject truncateAnswer(UpstreamSim.Peer peer) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject e = peer.received.poll(100, TimeUnit.MILLISECONDS);
      if (e != null && ("conversation.item.truncated".equals(e.getString("type"))
          || "error".equals(e.getString("type")))) {
        return e;
      }
    }
    throw new AssertionError("no answer to the truncate");
  }

  private static JsonObject truncate(String itemId, long audioEndMs) {
    return new JsonObject().put("type", "conversation.item.truncate").put("item_id", itemId)
        .put("content_index", 0).put("audio_end_ms", audioEndMs);
  }

  @Test
  void theAdvisedTruncateNeverOvershootsTheAudioDelivered(TestKafka kafka) throws Exception {
    try (UpstreamSim sim = new UpstreamSim(Map.of("SIM_AUDIO_DELTAS", "1000", "SIM_DELTA_INTERVAL", "40ms"));
         Harness.Service service = new Harness.Service(Harness.env(kafka, Map.of(
             "OPENAI_API_KEY", UpstreamSim.KEY, "UPSTREAM_BASE_URL", sim.base,
             "SIDEBAND_BACKOFF_MIN", "50ms", "SIDEBAND_BACKOFF_MAX", "500ms")))) {
      String callId = "rtc_" + UUID.randomUUID().toString().replace("-", "");
      UpstreamSim.Peer peer = sim.peer(callId); // the client's side of the call
      Harness.Client c = new Harness.Client(service.base, "rts_" + UUID.randomUUID().toString().substring(0, 12));
      c.now = System.currentTimeMillis() - 1000;
      c.send("client.connected", "call_id", callId);
      Eventually.await("the service's sideband is connected", () -> sim.connections(callId) == 2,
          Duration.ofSeconds(20));
      c.awaitPhase("LISTENING");

      // turn 1: the response and its item are announced, no audio yet (the model takes 3 s)
      assertThat(Http.put(sim.base + "/admin/latency", new JsonObject().put("response_ms", 3_000).encode()).status())
          .isEqualTo(200);
      sim.script(callId, new JsonObject().put("type", "input_audio_buffer.speech_stopped"));
      c.awaitPhase("THINKING");
      peer.send(new JsonObject().put("type", "response.create"));
      String silentItem = peer.next("response.output_item.added").getJsonObject("item").getString("id");
      c.await("the item is known", s -> silentItem.equals(s.getString("item_id")));

      Http.Response first = c.interrupt(new JsonObject().put("interrupt_id", "int_silent").put("audio_end_ms", 480)
          .put("occurred_at_ms", System.currentTimeMillis()));
      assertThat(first.status()).as(first.body()).isEqualTo(200);
      assertThat(first.json().getString("item_id")).isEqualTo(silentItem);
      assertThat(first.json().getLong("audio_end_ms")).isEqualTo(480L);
      assertThat(first.json().getValue("truncate_audio_end_ms")).as("no audio delivered: cancel only").isNull();
      assertThat(first.json().getJsonArray("client_events").stream().map(e -> ((JsonObject) e).getString("type")))
          .containsExactly("response.cancel", "output_audio_buffer.clear");
      // what a client truncating on its own figure gets, and reports
      peer.send(truncate(silentItem, 480));
      JsonObject refused = truncateAnswer(peer);
      assertThat(refused.getString("type")).isEqualTo("error");
      String message = refused.getJsonObject("error").getString("message");
      assertThat(message).isEqualTo("Audio content of 0ms is already shorter than 480ms");
      c.send("error", "error_code", refused.getJsonObject("error").getString("code"), "error_message", message,
          "event_id", refused.getString("event_id"));
      JsonObject state = c.await("the refusal counted and the interrupt closed", s ->
          s.getJsonObject("counters").getInteger("truncate_overshoots") == 1
              && s.getJsonObject("counters").getInteger("interrupts_recovered") == 1);
      assertThat(state.getJsonObject("counters").getInteger("upstream_errors")).isZero();
      assertThat(state.getJsonObject("counters").getInteger("interrupts_failed")).isZero();
      assertThat(state.getString("phase")).isEqualTo("LISTENING");

      // turn 2: audio streams; the client claims 5 s played (a wall clock across a stall)
      Http.put(sim.base + "/admin/latency", new JsonObject().put("response_ms", 0).encode());
      sim.script(callId, new JsonObject().put("type", "input_audio_buffer.speech_stopped"));
      c.awaitPhase("THINKING");
      peer.send(new JsonObject().put("type", "response.create"));
      String item = peer.next("response.output_item.added").getJsonObject("item").getString("id");
      peer.next("output_audio_buffer.started");
      c.awaitPhase("SPEAKING");
      Thread.sleep(300); // let some audio play

      Http.Response second = c.interrupt(new JsonObject().put("interrupt_id", "int_spoken").put("audio_end_ms", 5_000)
          .put("occurred_at_ms", System.currentTimeMillis()));
      assertThat(second.status()).as(second.body()).isEqualTo(200);
      long advised = second.json().getLong("truncate_audio_end_ms");
      assertThat(advised).as("clamped to what was delivered").isBetween(1L, 4_999L);
      JsonArray events = second.json().getJsonArray("client_events");
      JsonObject advisedTruncate = events.getJsonObject(2);
      assertThat(advisedTruncate).isEqualTo(truncate(item, advised));
      // the advised truncate is what upstream accepts; the client's own figure is not
      peer.send(advisedTruncate);
      JsonObject accepted = truncateAnswer(peer);
      assertThat(accepted.getString("type")).as(accepted.encode()).isEqualTo("conversation.item.truncated");
      assertThat(accepted.getLong("audio_end_ms")).isEqualTo(advised);
      peer.send(truncate(item, 5_000));
      assertThat(truncateAnswer(peer).getJsonObject("error").getString("message"))
          .isEqualTo("Audio content of " + advised + "ms is already shorter than 5000ms");
      c.await("the second interrupt closed", s -> s.getJsonObject("counters").getInteger("interrupts_recovered") == 2);
    }
  }
}
