package dev.rtvoice.sessions.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rtvoice.common.event.EventEnvelope;
import dev.rtvoice.common.event.EventType;
import dev.rtvoice.common.testing.Eventually;
import dev.rtvoice.common.testing.Http;
import dev.rtvoice.common.testing.KafkaBrokerExtension;
import dev.rtvoice.common.testing.TestKafka;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sideband against upstream-sim over a real WebSocket: once the client reports the call id, the
 * owner connects with the server's key, applies what upstream sends (deduplicated against the
 * client's own reports by upstream event id), sends its own response.cancel on interrupt, and
 * reconnects when the connection drops.
 */
@ExtendWith(KafkaBrokerExtension.class)
class SidebandIT {

  @Test
  void theSidebandFollowsTheCallCancelsOnInterruptAndReconnects(TestKafka kafka) throws Exception {
    // long responses (1000 deltas, 40 ms apart): the interrupt lands while upstream is still speaking
    try (UpstreamSim sim = new UpstreamSim(Map.of("SIM_AUDIO_DELTAS", "1000", "SIM_DELTA_INTERVAL", "40ms"));
         Harness.Service service = new Harness.Service(Harness.env(kafka, Map.of(
             "OPENAI_API_KEY", UpstreamSim.KEY, "UPSTREAM_BASE_URL", sim.base,
             "SIDEBAND_BACKOFF_MIN", "50ms", "SIDEBAND_BACKOFF_MAX", "500ms")))) {
      String callId = "rtc_" + UUID.randomUUID().toString().replace("-", "");
      UpstreamSim.Peer peer = sim.peer(callId); // the client's WebRTC side of the same call
      Harness.Client c = new Harness.Client(service.base, "rts_" + UUID.randomUUID().toString().substring(0, 12));
      c.now = System.currentTimeMillis() - 1000;

      c.send("client.connected", "call_id", callId);
      Eventually.await("the service's sideband is connected", () -> sim.connections(callId) == 2,
          Duration.ofSeconds(20));
      assertThat(c.awaitPhase("LISTENING").getString("call_id")).isEqualTo(callId);

      // upstream's VAD: arrives on the sideband (and on the peer, which the client also reports)
      sim.script(callId, new JsonObject().put("type", "input_audio_buffer.speech_stopped").put("audio_end_ms", 900));
      JsonObject stopped = peer.next("input_audio_buffer.speech_stopped");
      c.awaitPhase("THINKING");
      c.send("input_audio_buffer.speech_stopped", "event_id", stopped.getString("event_id"));
      JsonObject state = c.await("the client's copy counted as a duplicate",
          s -> s.getJsonObject("counters").getInteger("duplicates") == 1);
      assertThat(state.getInteger("turn")).isEqualTo(1);

      // the model answers: every event reaches the session through the sideband alone
      peer.send(new JsonObject().put("type", "response.create"));
      String responseId = peer.next("response.created").getJsonObject("response").getString("id");
      state = c.awaitPhase("SPEAKING");
      assertThat(state.getString("response_id")).isEqualTo(responseId);

      // the interrupt: the service cancels upstream itself, over the sideband
      Http.Response r = c.interrupt(new JsonObject().put("interrupt_id", "int_sb").put("audio_end_ms", 400)
          .put("occurred_at_ms", System.currentTimeMillis()));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.json().getBoolean("sideband_cancel")).isTrue();
      assertThat(r.json().getString("response_id")).isEqualTo(responseId);
      Eventually.await("upstream received the service's response.cancel", () -> sim.call(callId)
          .getJsonArray("client_events").stream().map(JsonObject.class::cast)
          .anyMatch(e -> "response.cancel".equals(e.getString("type")) && responseId.equals(e.getString("response_id"))
              && "evt_cancel_int_sb".equals(e.getString("event_id"))), Duration.ofSeconds(10));
      // upstream's response.done (cancelled) comes back on the sideband and closes the interrupt
      state = c.await("interrupt recovered", s -> s.getJsonObject("counters").getInteger("interrupts_recovered") == 1);
      assertThat(state.getString("phase")).isEqualTo("LISTENING");
      assertThat(sim.call(callId).getValue("active_response_id")).isNull();
      // one cancel, whichever sent it: the fast path (once the command was durable) or, when the owner's
      // loop got to the command first, the machine; never both
      assertThat(sim.call(callId).getJsonArray("client_events").stream().map(JsonObject.class::cast)
          .filter(e -> "response.cancel".equals(e.getString("type")))).hasSize(1);
      List<EventEnvelope> events = Harness.eventsOf(kafka, kafka.topicPrefix() + "realtime.session.events",
          c.sessionId, l -> l.stream().anyMatch(e -> e.type() == EventType.SESSION_INTERRUPT_RECOVERED));
      assertThat(events.stream().filter(e -> e.type() == EventType.SESSION_INTERRUPT_RECOVERED)).hasSize(1);

      // upstream drops the connection: the service reconnects and keeps applying what it receives
      sim.drop(callId);
      Eventually.await("the sideband reconnected", () -> sim.connections(callId) == 1, Duration.ofSeconds(20));
      sim.script(callId, new JsonObject().put("type", "input_audio_buffer.speech_stopped"));
      assertThat(c.awaitPhase("THINKING").getInteger("turn")).isEqualTo(2);

      Http.Response metrics = Http.get(service.base + "/metrics");
      assertThat(metrics.body()).contains("session_sideband_cancels_total{result=\"sent\",service=\"session-service\"} 1.0")
          .doesNotContain(UpstreamSim.KEY);

      // the session ends: the sideband closes with it
      c.send("client.ended");
      Eventually.await("the sideband closed", () -> sim.connections(callId) == 0, Duration.ofSeconds(20));
    }
  }
}
